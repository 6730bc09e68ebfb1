import type { JobStatus } from '@autoposter/db';
import type { PostingJobRow } from '@autoposter/db/repositories/posting-jobs';

/** A posting job as the contract shows it (GET /api/jobs/:id and `job.progress` events). */
export interface JobView {
  job_id: string;
  status: JobStatus;
  total_posts: number;
  completed_posts: number;
  failed_posts: number;
  current_post_id: string | null;
  current_post_title: string | null;
  started_at: string | null;
  completed_at: string | null;
  progress_percentage: number;
}

export function toJobView(job: PostingJobRow): JobView {
  const done = job.completedPosts + job.failedPosts;
  const progress = job.totalPosts > 0 ? (done / job.totalPosts) * 100 : job.completedAt ? 100 : 0;
  return {
    job_id: job.id,
    status: job.status as JobStatus,
    total_posts: job.totalPosts,
    completed_posts: job.completedPosts,
    failed_posts: job.failedPosts,
    current_post_id: job.currentPostId,
    current_post_title: job.currentPostTitle,
    started_at: job.startedAt?.toISOString() ?? null,
    completed_at: job.completedAt?.toISOString() ?? null,
    progress_percentage: Math.round(progress * 10) / 10,
  };
}
