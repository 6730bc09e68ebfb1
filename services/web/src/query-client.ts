import { QueryClient } from '@tanstack/react-query';

/** The app's one cache: the routes prefetch into it, the pages read from it. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: (count, error) => count < 2 && !('status' in error && Number(error.status) < 500), staleTime: 5_000 },
  },
});
