import { Alert, Anchor, Button, Code, FileButton, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { tokenStore, toApiError, ApiError } from '../api/client.ts';
import type { paths } from '../api/schema';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

type ImportResult = paths['/api/posts/import']['post']['responses'][200]['content']['application/json'];
type RowError = ImportResult['errors'][number];

const EXAMPLE = `title,body,price,currency,media,targets,scheduled_at
Oak chair,"Solid oak, barely used",45,USD,chair.jpg,marketplace:My Facebook,
,Weekend sale starts now!,,,,facebook_page:Shop Page|instagram:Shop IG,2030-01-31T09:30:00Z`;

/** `POST /api/posts/import` with the CSV; a refusal (400 listing the rows) is returned, not thrown. */
async function sendCsv(file: File, query: string): Promise<ImportResult & { refused?: string }> {
  const form = new FormData();
  form.append('file', file);
  const token = tokenStore.get();
  const response = await fetch(`/api/posts/import?${query}`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await response.json().catch(() => ({}));
  if (response.status === 400 && Array.isArray(body.errors) && body.errors.length > 0) {
    return { created: [], errors: body.errors, total_rows: 0, valid_rows: [], refused: body.error };
  }
  if (!response.ok) throw await toApiError(response, body);
  return body as ImportResult;
}

export default function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [rows, setRows] = useState<string[][]>([]);
  const queryClient = useQueryClient();

  const check = useMutation({
    mutationFn: (chosen: File) => sendCsv(chosen, 'dry_run=1'),
    onSuccess: setPreview,
  });
  const importRows = useMutation({
    mutationFn: (validOnly: boolean) => sendCsv(file!, validOnly ? 'valid_only=1' : ''),
    onSuccess: (result) => {
      if (result.refused) {
        notifications.show({ color: 'red', title: 'Nothing imported', message: result.refused });
        return;
      }
      notifications.show({ color: 'green', message: `Imported ${result.created.length} post(s)` });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      setPreview(null);
      setFile(null);
      setRows([]);
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Nothing imported', message: error.message }),
  });

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setPreview(null);
    if (!chosen) return;
    void chosen.text().then((text) => setRows(previewRows(text)));
    check.mutate(chosen);
  };

  const errorsByRow = new Map<number, RowError[]>();
  for (const error of preview?.errors ?? []) errorsByRow.set(error.row, [...(errorsByRow.get(error.row) ?? []), error]);
  const [header = [], ...body] = rows;
  const valid = preview?.valid_rows.length ?? 0;

  return (
    <Stack>
      <Title order={2}>Import posts from a CSV file</Title>
      <Text size="sm">
        One post per row. Columns: <Code>title, body, price, currency, category, condition, location, link, media, video, targets, scheduled_at</Code>.{' '}
        <Code>media</Code> lists uploaded file names, media ids or media URLs separated by <Code>|</Code> (upload images first on the{' '}
        <Anchor component={Link} to="/posts/new">compose page</Anchor>). <Code>targets</Code> are <Code>channel:account</Code> (account by name or
        id), or <Code>facebook_group:account:group id</Code>, separated by <Code>|</Code>. <Code>scheduled_at</Code> is ISO 8601 with a time zone,
        or empty to leave the post pending.
      </Text>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {EXAMPLE}
      </Code>
      <Group>
        <FileButton onChange={choose} accept=".csv,text/csv">
          {(props) => <Button {...props}>Choose a CSV file</Button>}
        </FileButton>
        {file && <Text size="sm">{file.name}</Text>}
      </Group>
      {check.isPending && <Text size="sm">Checking every row…</Text>}
      {check.error && (
        <Alert color="red" role="alert" title="This file cannot be imported">
          {check.error instanceof ApiError ? check.error.message : String(check.error)}
        </Alert>
      )}
      {preview && (
        <Stack>
          <Alert color={preview.errors.length ? 'orange' : 'green'} role="status" styles={{ message: { color: 'black' } }}>
            {valid} of {preview.total_rows || body.length} row(s) can be imported
            {preview.errors.length > 0 ? `; ${errorsByRow.size} row(s) have errors. Nothing is imported from a file with errors unless you import the valid rows only.` : '.'}
          </Alert>
          <ScrollRegion label="Rows of the file (scrollable)" minWidth={640}>
            <Table aria-label="Rows of the file" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Row</Table.Th>
                  {header.map((name) => (
                    <Table.Th key={name}>{name}</Table.Th>
                  ))}
                  <Table.Th>Problems</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {body.map((cells, index) => {
                  const rowNumber = index + 2;
                  const problems = errorsByRow.get(rowNumber) ?? [];
                  return (
                    <Table.Tr key={rowNumber} bg={problems.length ? 'red.0' : undefined}>
                      <Table.Td>{rowNumber}</Table.Td>
                      {cells.map((cell, column) => (
                        <Table.Td key={column} maw={200} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                          {cell}
                        </Table.Td>
                      ))}
                      <Table.Td>
                        {problems.length === 0 ? (
                          <Text size="sm" c="green.9">OK</Text>
                        ) : (
                          <List size="sm">
                            {problems.map((problem) => (
                              <List.Item key={problem.field + problem.error}>
                                <b>{problem.field}</b>: {problem.error}
                              </List.Item>
                            ))}
                          </List>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
          <Group>
            <Button disabled={preview.errors.length > 0 || valid === 0} loading={importRows.isPending && importRows.variables === false} onClick={() => importRows.mutate(false)}>
              Import {valid} post(s)
            </Button>
            {preview.errors.length > 0 && valid > 0 && (
              <Button variant="default" loading={importRows.isPending && importRows.variables === true} onClick={() => importRows.mutate(true)}>
                Import the {valid} valid row(s) only
              </Button>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}

/** A light CSV split for the preview table only (quoted fields with commas, doubled quotes); the server parses for real. */
function previewRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((value) => value.trim() !== '')) rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  row.push(cell);
  if (row.some((value) => value.trim() !== '')) rows.push(row);
  return rows;
}
