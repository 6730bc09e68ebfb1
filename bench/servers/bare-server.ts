// The baseline: Fastify and node-postgres with nothing else, one route inserting one row.
import Fastify from 'fastify';
import pg from 'pg';
import { serveForBenchmark } from './serve.ts';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX) });
const app = Fastify();

app.post('/rows', async (request, reply) => {
  const { body } = request.body as { body: string };
  const { rows } = await pool.query<{ id: string }>('insert into bench_rows (body) values ($1) returning id', [body]);
  return reply.code(201).send({ id: rows[0]!.id });
});

await serveForBenchmark(app, () => pool.end());
