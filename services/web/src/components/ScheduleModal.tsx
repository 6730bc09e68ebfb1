import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { browserTimeZone, formatDateTime, utcToWallClock, wallClockToUtc } from '../lib/time.ts';

/** Picks a time in the person's zone and hands it on as UTC. */
export function ScheduleModal({
  opened,
  initial,
  onClose,
  onConfirm,
  pending,
  error,
}: {
  opened: boolean;
  initial: string | null;
  onClose(): void;
  onConfirm(utc: string): void;
  pending: boolean;
  error?: string;
}) {
  const timeZone = browserTimeZone();
  const [value, setValue] = useState(() => utcToWallClock(initial ?? new Date(Date.now() + 3_600_000).toISOString(), timeZone));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value) onConfirm(wallClockToUtc(value, timeZone));
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Schedule">
      <form onSubmit={submit}>
        <Stack>
          {initial && <Text size="sm">Now scheduled for {formatDateTime(initial)}.</Text>}
          <TextInput type="datetime-local" step={1} label={`Publish at (${timeZone})`} required value={value} onChange={(e) => setValue(e.currentTarget.value)} error={error} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={pending}>
              Schedule
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
