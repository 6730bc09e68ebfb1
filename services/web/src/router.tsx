import { Center, Loader } from '@mantine/core';
import { lazy, Suspense, type ComponentType } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { useAuth } from './auth.tsx';
import { Layout } from './components/Layout.tsx';

// One chunk per page: the first visit loads the shell and the page it opens, nothing else.
const page = (load: () => Promise<{ default: ComponentType }>) => {
  const Page = lazy(load);
  return (
    <Suspense fallback={<Center h={200}><Loader aria-label="Loading page" /></Center>}>
      <Page />
    </Suspense>
  );
};

function RequireAuth() {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <Layout><Outlet /></Layout>;
}

export const router = createBrowserRouter([
  { path: '/sign-in', element: page(() => import('./pages/SignInPage.tsx')) },
  { path: '/register', element: page(() => import('./pages/SignInPage.tsx')) },
  {
    element: <RequireAuth />,
    children: [
      { path: '/', element: <Navigate to="/posts" replace /> },
      { path: '/posts', element: page(() => import('./pages/PostsPage.tsx')) },
      { path: '/posts/new', element: page(() => import('./pages/ComposePage.tsx')) },
      { path: '/posts/:id', element: page(() => import('./pages/PostDetailPage.tsx')) },
      { path: '/calendar', element: page(() => import('./pages/CalendarPage.tsx')) },
      { path: '/accounts', element: page(() => import('./pages/AccountsPage.tsx')) },
      { path: '/import', element: page(() => import('./pages/ImportPage.tsx')) },
      { path: '/errors', element: page(() => import('./pages/ErrorsPage.tsx')) },
      { path: '*', element: page(() => import('./pages/NotFoundPage.tsx')) },
    ],
  },
]);
