import * as alt from './alt-pages.ts';
import * as classic from './pages.ts';
import type { FakeAccount, FormField, Layout } from './state.ts';

/** The pages a layout serves (the pages every layout shares, checkpoint and not found, are in pages.ts). */
export interface LayoutPages {
  loginPage: typeof classic.loginPage;
  homePage: typeof classic.homePage;
  createItemPage(account: FakeAccount, options: { renamed: Partial<Record<FormField, string>>; leaveDialog: boolean }): string;
  itemPage: typeof classic.itemPage;
  sellingPage: typeof classic.sellingPage;
  groupPage: typeof classic.groupPage;
  groupPostPage: typeof classic.groupPostPage;
  pendingPage: typeof classic.pendingPage;
}

export function pagesOf(layout: Layout): LayoutPages {
  if (layout.name === 'classic') return classic;
  return { ...alt, createItemPage: (account, options) => alt.createItemPage(account, options, layout.nextSteps) };
}
