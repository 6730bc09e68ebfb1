// The bare baseline of `pnpm bench web`: React and nothing else. It reads the dashboard's token,
// fetches the same first page of posts from the same API and renders a plain table with a
// checkbox per row.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

/** As many posts as the dashboard's posts page asks for. */
const PAGE_SIZE = 25;

interface Post {
  id: string;
  title: string | null;
  body: string;
  status: string;
  created_at: string;
  scheduled_at: string | null;
  deliveries: { channel: string; status: string }[];
}

function PostsTable() {
  const [posts, setPosts] = useState<Post[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    const headers = { authorization: `Bearer ${localStorage.getItem('autoposter.token')}` };
    fetch(`/api/posts?limit=${PAGE_SIZE}`, { headers })
      .then((response) => (response.ok ? (response.json() as Promise<{ items: Post[] }>) : Promise.reject(new Error(`${response.status}`))))
      .then((page) => setPosts(page.items))
      .catch((err: unknown) => setError(String(err)));
  }, []);

  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  if (error) return <p role="alert">Could not load the posts: {error}</p>;
  if (!posts) return <p>Loading…</p>;
  return (
    <table aria-label="Posts">
      <thead>
        <tr>
          <th />
          <th>Post</th>
          <th>Status</th>
          <th>Targets</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {posts.map((post) => {
          const label = post.title || post.body.slice(0, 60);
          return (
            <tr key={post.id} data-testid="post-row">
              <td>
                <input type="checkbox" aria-label={`Select ${label}`} checked={selected.has(post.id)} onChange={() => toggle(post.id)} />
              </td>
              <td>
                <a href={`/posts/${post.id}`}>{label}</a>
              </td>
              <td>{post.status}</td>
              <td>{post.deliveries.map((delivery) => `${delivery.channel}: ${delivery.status}`).join(', ')}</td>
              <td>{new Date(post.scheduled_at ?? post.created_at).toLocaleString()}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

createRoot(document.getElementById('root')!).render(<PostsTable />);
