import { Anchor, Image, Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { fetchBlob } from '../api/client.ts';

/** A screenshot artifact: fetched with the token (an <img src> could not send it). */
export function Screenshot({ url, alt }: { url: string; alt: string }) {
  // The cache keeps the file; each mounted image makes an object URL of its own and revokes it
  // when it goes. A cached object URL would be revoked by the first view that unmounts, and the
  // next view of the same screenshot (the error log after the post) would show nothing.
  const image = useQuery({ queryKey: ['artifact', url], queryFn: () => fetchBlob(url), staleTime: Infinity });
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!image.data) return;
    const objectUrl = URL.createObjectURL(image.data);
    setSrc(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [image.data]);
  if (image.error) return <Text size="sm" c="red.9">Screenshot unavailable: {image.error.message}</Text>;
  if (!src) return <Loader size="sm" aria-label="Loading screenshot" />;
  return (
    <Anchor href={src} target="_blank" rel="noopener" aria-label={`Open ${alt} full size`}>
      <Image src={src} alt={alt} maw={480} radius="sm" style={{ border: '1px solid var(--mantine-color-gray-4)' }} />
    </Anchor>
  );
}
