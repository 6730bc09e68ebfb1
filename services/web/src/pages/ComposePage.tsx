import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  CloseButton,
  FileButton,
  Group,
  Image,
  List,
  NumberInput,
  Paper,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, unwrap } from '../api/client.ts';
import type { Account, CreatePost, Media } from '../api/types.ts';
import { QueryState } from '../components/states.tsx';
import { useLive } from '../live/LiveProvider.tsx';
import { CHANNEL_LABELS, CHANNEL_RULES, channelHints, type Channel, type Hint } from '../lib/channel-rules.ts';
import { browserTimeZone, wallClockToUtc } from '../lib/time.ts';
import { uploadMedia } from '../lib/upload.ts';

const CHANNELS_OF_KIND: Record<Account['kind'], Channel[]> = {
  facebook_browser: ['marketplace', 'facebook_group'],
  facebook_page: ['facebook_page'],
  instagram_business: ['instagram'],
};

interface Upload {
  key: string;
  name: string;
  preview: string;
  progress: number;
  media?: Media;
  error?: string;
}

interface Warning {
  code: string;
  message: string;
  post_id?: string;
}

type Field = 'title' | 'body' | 'price' | 'currency' | 'category' | 'condition' | 'location' | 'link' | 'media' | 'targets' | 'scheduled_at';

/** The form field a gateway 400 names. */
function fieldOf(error: ApiError): Field | 'form' {
  const field = error.field;
  if (field === 'media_ids' || field === 'video_media_id') return 'media';
  if (field === 'targets' || field === 'target_id' || field === 'account_id' || field === 'channel') return 'targets';
  const known: Field[] = ['title', 'body', 'price', 'currency', 'category', 'condition', 'location', 'link', 'scheduled_at'];
  return known.includes(field as Field) ? (field as Field) : 'form';
}

export default function ComposePage() {
  const navigate = useNavigate();
  const { watchJob } = useLive();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/api/accounts')) });
  const [content, setContent] = useState({ title: '', body: '', currency: 'USD', category: '', condition: '', location: '', link: '' });
  const [price, setPrice] = useState<string | number>('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [targets, setTargets] = useState<Record<string, boolean>>({});
  const [groupIds, setGroupIds] = useState<Record<string, string>>({});
  const [when, setWhen] = useState<'now' | 'later' | 'draft'>('now');
  const [scheduledAt, setScheduledAt] = useState('');
  const [serverError, setServerError] = useState<{ field: Field | 'form'; message: string } | null>(null);
  const [created, setCreated] = useState<{ id: string; warnings: Warning[] } | null>(null);
  const timeZone = browserTimeZone();

  const set = (field: keyof typeof content) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setContent((current) => ({ ...current, [field]: value }));
  };

  const images = uploads.filter((upload) => upload.media?.mime.startsWith('image/'));
  const video = uploads.find((upload) => upload.media?.mime.startsWith('video/'));
  const chosen = useMemo(
    () =>
      (accounts.data?.items ?? []).flatMap((account) =>
        CHANNELS_OF_KIND[account.kind].filter((channel) => targets[`${account.id}:${channel}`]).map((channel) => ({ account, channel })),
      ),
    [accounts.data, targets],
  );
  const hints = channelHints(
    chosen.map((target) => target.channel),
    {
      title: content.title,
      body: content.body,
      price: String(price),
      images: images.map((upload) => upload.media!),
      video: video?.media ?? null,
    },
  );
  const hintFor = (field: Hint['field']) => hints.filter((hint) => hint.field === field).map((hint) => hint.message).join('; ') || undefined;
  const errorFor = (field: Field) => (serverError?.field === field ? serverError.message : undefined);

  const addFiles = (files: File[]) => {
    for (const file of files) {
      const key = `${file.name}-${crypto.randomUUID()}`;
      setUploads((current) => [...current, { key, name: file.name, preview: URL.createObjectURL(file), progress: 0 }]);
      const update = (patch: Partial<Upload>) => setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...patch } : upload)));
      uploadMedia(file, (progress) => update({ progress }))
        .then((media) => update({ media, progress: 100 }))
        .catch((error: Error) => update({ error: error.message }));
    }
  };

  const startPosting = useMutation({
    mutationFn: (postId: string) => unwrap(api.POST('/api/posts/start-posting', { body: { post_ids: [postId] } })),
    onSuccess: (result, postId) => {
      notifications.show({ color: 'green', message: result.message });
      watchJob({ job_id: result.job_id, ws_url: result.ws_url });
      void navigate(`/posts/${postId}`);
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Not started', message: error.message }),
  });

  const create = useMutation({
    mutationFn: async () => {
      const body: CreatePost = {
        body: content.body,
        title: content.title || null,
        price: price === '' ? null : Number(price),
        currency: price === '' ? null : content.currency || null,
        category: content.category || null,
        condition: content.condition || null,
        location: content.location || null,
        link: content.link || null,
        media_ids: images.map((upload) => upload.media!.id),
        video_media_id: video?.media?.id ?? null,
        targets: chosen.flatMap(({ account, channel }): CreatePost['targets'] =>
          channel === 'facebook_group'
            ? (groupIds[account.id] ?? '')
                .split(/[\s,]+/)
                .filter(Boolean)
                .map((groupId) => ({ channel, account_id: account.id, target_id: groupId }))
            : [{ channel, account_id: account.id }],
        ),
        scheduled_at: when === 'later' && scheduledAt ? wallClockToUtc(scheduledAt, timeZone) : null,
      };
      return unwrap(api.POST('/api/posts', { body }));
    },
    onSuccess: (post) => {
      const warnings = ((post as { warnings?: Warning[] }).warnings ?? []).filter(Boolean);
      if (warnings.length > 0) {
        setCreated({ id: post.id, warnings });
        return;
      }
      afterCreate(post.id);
    },
    onError: (error) => {
      if (error instanceof ApiError) setServerError({ field: fieldOf(error), message: error.message });
      else setServerError({ field: 'form', message: error.message });
    },
  });

  const afterCreate = (postId: string) => {
    if (when === 'now') startPosting.mutate(postId);
    else {
      notifications.show({ color: 'green', message: when === 'later' ? 'Post scheduled' : 'Post saved as pending' });
      void navigate(`/posts/${postId}`);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setServerError(null);
    create.mutate();
  };
  const uploading = uploads.some((upload) => !upload.media && !upload.error);

  return (
    <Stack maw={760}>
      <Title order={2}>Compose</Title>
      <QueryState
        what="accounts"
        isPending={accounts.isPending}
        error={accounts.error}
        isEmpty={(accounts.data?.items.length ?? 0) === 0}
        empty={
          <Text>
            Add an account to post as first: <Anchor component={Link} to="/accounts">Accounts</Anchor>.
          </Text>
        }
      >
        <form onSubmit={onSubmit} noValidate>
          <Stack>
            {serverError?.field === 'form' && (
              <Alert color="red" role="alert">
                {serverError.message}
              </Alert>
            )}
            <Paper withBorder p="md">
              <Stack gap="sm">
                <Title order={3} size="h4">
                  Targets
                </Title>
                <List size="sm" c="dimmed">
                  {(Object.keys(CHANNEL_RULES) as Channel[]).map((channel) => (
                    <List.Item key={channel}>{CHANNEL_RULES[channel]}</List.Item>
                  ))}
                </List>
                {(accounts.data?.items ?? []).map((account) => (
                  <Stack key={account.id} gap={4}>
                    <Text fw={600} size="sm">
                      {account.name}
                    </Text>
                    <Group gap="md">
                      {CHANNELS_OF_KIND[account.kind].map((channel) => (
                        <Checkbox
                          key={channel}
                          label={`${CHANNEL_LABELS[channel]} (${account.name})`}
                          checked={!!targets[`${account.id}:${channel}`]}
                          onChange={(event) => {
                            const checked = event.currentTarget.checked;
                            setTargets((current) => ({ ...current, [`${account.id}:${channel}`]: checked }));
                          }}
                        />
                      ))}
                    </Group>
                    {targets[`${account.id}:facebook_group`] && (
                      <TextInput
                        label={`Group ids for ${account.name}`}
                        description="One or more, separated by commas"
                        value={groupIds[account.id] ?? ''}
                        onChange={(event) => {
                          const value = event.currentTarget.value;
                          setGroupIds((current) => ({ ...current, [account.id]: value }));
                        }}
                      />
                    )}
                  </Stack>
                ))}
                {errorFor('targets') && (
                  <Text c="red.9" size="sm" role="alert">
                    {errorFor('targets')}
                  </Text>
                )}
              </Stack>
            </Paper>

            <TextInput label="Title" value={content.title} onChange={set('title')} error={errorFor('title')} description={hintFor('title')} />
            <Textarea
              label="Text"
              required
              autosize
              minRows={4}
              value={content.body}
              onChange={set('body')}
              error={errorFor('body')}
              description={hintFor('body') ?? `${[...content.body].length} characters`}
            />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <NumberInput label="Price" min={0} decimalScale={2} value={price} onChange={setPrice} error={errorFor('price')} description={hintFor('price')} />
              <TextInput label="Currency" maxLength={3} value={content.currency} onChange={set('currency')} error={errorFor('currency')} />
              <TextInput label="Category" placeholder="Furniture" value={content.category} onChange={set('category')} error={errorFor('category')} />
              <TextInput label="Condition" placeholder="Used - good" value={content.condition} onChange={set('condition')} error={errorFor('condition')} />
              <TextInput label="Location" value={content.location} onChange={set('location')} error={errorFor('location')} />
              <TextInput label="Link" type="url" value={content.link} onChange={set('link')} error={errorFor('link')} />
            </SimpleGrid>

            <Stack gap="xs">
              <Group>
                <FileButton onChange={addFiles} accept="image/jpeg,image/png,image/webp,video/mp4" multiple>
                  {(props) => (
                    <Button variant="default" {...props}>
                      Add photos or a video
                    </Button>
                  )}
                </FileButton>
                <Text size="sm" c={hintFor('media') || errorFor('media') ? 'red.9' : 'dimmed'} role={errorFor('media') ? 'alert' : undefined}>
                  {errorFor('media') ?? hintFor('media') ?? 'JPEG, PNG, WebP or MP4'}
                </Text>
              </Group>
              {uploads.length > 0 && (
                <SimpleGrid cols={{ base: 2, sm: 4 }}>
                  {uploads.map((upload) => (
                    <Paper key={upload.key} withBorder p={4} pos="relative">
                      {upload.name.endsWith('.mp4') ? (
                        <video src={upload.preview} style={{ width: '100%', height: 96, objectFit: 'cover' }} muted aria-label={upload.name} />
                      ) : (
                        <Image src={upload.preview} alt={upload.name} h={96} fit="cover" />
                      )}
                      <Progress value={upload.progress} size="xs" mt={4} aria-label={`Upload of ${upload.name}`} color={upload.error ? 'red' : undefined} />
                      {upload.error && (
                        <Text size="xs" c="red.9">
                          {upload.error}
                        </Text>
                      )}
                      <CloseButton
                        size="sm"
                        pos="absolute"
                        top={4}
                        right={4}
                        bg="white"
                        aria-label={`Remove ${upload.name}`}
                        onClick={() => setUploads((current) => current.filter((item) => item.key !== upload.key))}
                      />
                    </Paper>
                  ))}
                </SimpleGrid>
              )}
            </Stack>

            <Stack gap="xs">
              <Text fw={500} size="sm" id="when-label">
                When
              </Text>
              <SegmentedControl
                aria-labelledby="when-label"
                value={when}
                onChange={(value) => setWhen(value as typeof when)}
                data={[
                  { value: 'now', label: 'Post now' },
                  { value: 'later', label: 'Schedule' },
                  { value: 'draft', label: 'Save as pending' },
                ]}
              />
              {when === 'later' && (
                <TextInput
                  type="datetime-local"
                  step={1}
                  label={`Publish at (${timeZone})`}
                  required
                  value={scheduledAt}
                  onChange={(event) => setScheduledAt(event.currentTarget.value)}
                  error={errorFor('scheduled_at')}
                />
              )}
            </Stack>

            {hints.length > 0 && (
              <Alert color="yellow" title="Before this can be posted" styles={{ message: { color: 'black' } }}>
                <List size="sm">
                  {hints.map((hint) => (
                    <List.Item key={`${hint.channel}-${hint.message}`}>{hint.message}</List.Item>
                  ))}
                </List>
              </Alert>
            )}

            {created && (
              <Alert color="orange" title="Possible duplicate" role="alert" styles={{ message: { color: 'black' } }}>
                <Stack gap="xs">
                  {created.warnings.map((warning) => (
                    <Text key={warning.code + (warning.post_id ?? '')} size="sm">
                      {warning.message}{' '}
                      {warning.post_id && (
                        <Anchor component={Link} to={`/posts/${warning.post_id}`}>
                          See the earlier post
                        </Anchor>
                      )}
                    </Text>
                  ))}
                  <Group>
                    <Button size="xs" color="orange" onClick={() => afterCreate(created.id)} loading={startPosting.isPending}>
                      {when === 'now' ? 'Start posting anyway' : 'Keep it'}
                    </Button>
                    <Button size="xs" variant="default" component={Link} to={`/posts/${created.id}`}>
                      Open the new post
                    </Button>
                  </Group>
                </Stack>
              </Alert>
            )}

            <Group>
              <Button
                type="submit"
                loading={create.isPending || startPosting.isPending}
                disabled={uploading || chosen.length === 0 || !content.body.trim() || created !== null}
              >
                {when === 'now' ? 'Post now' : when === 'later' ? 'Schedule' : 'Save'}
              </Button>
              {uploading && <Text size="sm">Waiting for uploads…</Text>}
              {chosen.length === 0 && <Text size="sm" c="dimmed">Choose at least one target.</Text>}
            </Group>
          </Stack>
        </form>
      </QueryState>
    </Stack>
  );
}
