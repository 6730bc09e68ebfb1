import { describe, expect, it } from 'vitest';
import { stackPlan } from './stack-plan.ts';

describe('stackPlan', () => {
  it("lets the dashboard's pages read the notifier's SSE stream: WEB_ORIGIN defaults to the gateway's origins", () => {
    const plan = stackPlan({}, '/repo');
    expect(plan.urls.api).toBe('http://127.0.0.1:3000');
    expect(plan.sharedEnv.WEB_ORIGIN).toBe('http://127.0.0.1:3000,http://localhost:3000');
    expect(stackPlan({ API_PORT: '4000', STACK_HOST: 'localhost' }, '/repo').sharedEnv.WEB_ORIGIN).toBe('http://localhost:4000');
  });

  it('keeps a WEB_ORIGIN that is set (pages served from elsewhere), and treats an empty one as unset, as .env.example leaves it', () => {
    expect(stackPlan({ WEB_ORIGIN: 'https://app.example.test' }, '/repo').sharedEnv.WEB_ORIGIN).toBe('https://app.example.test');
    expect(stackPlan({ WEB_ORIGIN: '' }, '/repo').sharedEnv.WEB_ORIGIN).toBe('http://127.0.0.1:3000,http://localhost:3000');
  });
});
