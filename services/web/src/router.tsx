import { Center, Loader } from '@mantine/core';
import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation, type LoaderFunctionArgs, type RouteObject } from 'react-router';
import { tokenStore } from './api/client.ts';
import { useAuth } from './auth.tsx';
import { Layout } from './components/Layout.tsx';
import { postsFilterFrom, postsQuery } from './pages/posts-query.ts';
import { queryClient } from './query-client.ts';

type PageModule = () => Promise<{ default: ComponentType }>;

/**
 * One chunk per page: the first visit loads the shell and the page it opens, nothing else. The
 * router loads the chunk before rendering the page (the shell shows a loader meanwhile on a
 * first visit, the previous page stays on a later one), with `prefetch` fetching the page's
 * first data beside it. Not React.lazy: its Suspense fallback would hold the page back for at
 * least 300 ms after the loader showed (React's reveal throttle), and the data would only be
 * asked for once the page rendered.
 */
const page = (path: string, load: PageModule, prefetch?: (args: LoaderFunctionArgs) => void): RouteObject => ({
  path,
  lazy: { Component: async () => (await load()).default },
  hydrateFallbackElement: (
    <Center h={200}>
      <Loader aria-label="Loading page" />
    </Center>
  ),
  ...(prefetch && {
    loader: (args: LoaderFunctionArgs) => {
      if (tokenStore.get()) prefetch(args);
      return null;
    },
  }),
});

const prefetchPosts = ({ request }: LoaderFunctionArgs) => void queryClient.prefetchQuery(postsQuery(postsFilterFrom(new URL(request.url).searchParams)));

function RequireAuth() {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <Layout><Outlet /></Layout>;
}

export const router = createBrowserRouter([
  page('/sign-in', () => import('./pages/SignInPage.tsx')),
  page('/register', () => import('./pages/SignInPage.tsx')),
  {
    element: <RequireAuth />,
    children: [
      { path: '/', element: <Navigate to="/posts" replace /> },
      page('/posts', () => import('./pages/PostsPage.tsx'), prefetchPosts),
      page('/posts/new', () => import('./pages/ComposePage.tsx')),
      page('/posts/:id', () => import('./pages/PostDetailPage.tsx')),
      page('/calendar', () => import('./pages/CalendarPage.tsx')),
      page('/accounts', () => import('./pages/AccountsPage.tsx')),
      page('/import', () => import('./pages/ImportPage.tsx')),
      page('/errors', () => import('./pages/ErrorsPage.tsx')),
      page('*', () => import('./pages/NotFoundPage.tsx')),
    ],
  },
]);
