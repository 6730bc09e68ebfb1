import { Anchor, Image, Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { fetchObjectUrl } from '../api/client.ts';

/** A screenshot artifact: fetched with the token (an <img src> could not send it). */
export function Screenshot({ url, alt }: { url: string; alt: string }) {
  const image = useQuery({ queryKey: ['artifact', url], queryFn: () => fetchObjectUrl(url), staleTime: Infinity });
  useEffect(() => () => {
    if (image.data) URL.revokeObjectURL(image.data);
  }, [image.data]);
  if (image.isPending) return <Loader size="sm" aria-label="Loading screenshot" />;
  if (image.error) return <Text size="sm" c="red.9">Screenshot unavailable: {image.error.message}</Text>;
  return (
    <Anchor href={image.data} target="_blank" rel="noopener" aria-label={`Open ${alt} full size`}>
      <Image src={image.data} alt={alt} maw={480} radius="sm" style={{ border: '1px solid var(--mantine-color-gray-4)' }} />
    </Anchor>
  );
}
