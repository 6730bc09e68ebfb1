import { Box } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A region that scrolls sideways on narrow screens (tables at 360 px). Focusable, so a keyboard
 * user can scroll it with the arrow keys, and named for screen readers.
 */
export function ScrollRegion({ label, minWidth, maxHeight, children }: { label: string; minWidth?: number; maxHeight?: number; children: ReactNode }) {
  return (
    <Box role="region" aria-label={label} tabIndex={0} style={{ overflow: 'auto', maxHeight }}>
      <Box miw={minWidth}>{children}</Box>
    </Box>
  );
}
