import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { DEFAULT_THEME, MantineProvider, Modal, Notification, createTheme, type MantineColorsTuple, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { AuthProvider } from './auth.tsx';
import { queryClient } from './query-client.ts';
import { router } from './router.tsx';

// Mantine's default primary shade is too light for white text at WCAG AA contrast.
/** A palette whose darkest shade is dark enough for small text on white (WCAG AA, 4.5:1). */
const darkened = (name: 'green' | 'orange' | 'yellow', shade9: string) =>
  [...DEFAULT_THEME.colors[name].slice(0, 9), shade9] as unknown as MantineColorsTuple;

const theme = createTheme({
  colors: { green: darkened('green', '#237032'), orange: darkened('orange', '#b33a0b'), yellow: darkened('yellow', '#8f5b00') },
  primaryColor: 'blue',
  primaryShade: 8,
  components: {
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } }),
  },
});
// Mantine's "dimmed" grey and placeholders are below 4.5:1 on white; one shade darker passes.
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-placeholder': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <RouterProvider router={router} />
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
