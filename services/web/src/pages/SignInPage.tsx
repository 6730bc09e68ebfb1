import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { SandboxBanner } from '../components/Layout.tsx';

export default function SignInPage() {
  const location = useLocation();
  const registering = location.pathname === '/register';
  const { token, signIn } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const from = (location.state as { from?: string } | null)?.from ?? '/posts';

  const submit = useMutation({
    mutationFn: () =>
      registering
        ? unwrap(api.POST('/api/auth/register', { body: { email, password } }))
        : unwrap(api.POST('/api/auth/login', { body: { email, password } })),
    onSuccess: (result) => {
      signIn(result.token);
      void navigate(from, { replace: true });
    },
  });

  if (token) return <Navigate to={from} replace />;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };

  return (
    <>
      <SandboxBanner />
      <Center component="main" mih="90vh" p="md">
        <Paper withBorder p="lg" w="100%" maw={380}>
          <form onSubmit={onSubmit}>
            <Stack>
              <Title order={1} size="h3">
                {registering ? 'Create your account' : 'Sign in to Autoposter'}
              </Title>
              {submit.error && (
                <Alert color="red" role="alert">
                  {submit.error.message}
                </Alert>
              )}
              <TextInput label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
              <PasswordInput
                label="Password"
                autoComplete={registering ? 'new-password' : 'current-password'}
                required
                minLength={registering ? 8 : undefined}
                description={registering ? 'At least 8 characters' : undefined}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" loading={submit.isPending}>
                {registering ? 'Register' : 'Sign in'}
              </Button>
              <Text size="sm">
                {registering ? 'Already registered? ' : 'No account yet? '}
                <Anchor component={Link} to={registering ? '/sign-in' : '/register'} state={location.state}>
                  {registering ? 'Sign in' : 'Register'}
                </Anchor>
              </Text>
            </Stack>
          </form>
        </Paper>
      </Center>
    </>
  );
}
