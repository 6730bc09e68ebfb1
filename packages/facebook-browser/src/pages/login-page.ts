import type { PageSession } from '../page-session.ts';
import { sameText } from '../text-match.ts';

/** Facebook's login form: email, password, "Log in". */
export class LoginPage {
  constructor(private readonly session: PageSession) {}

  async logIn(email: string, password: string): Promise<void> {
    const { session } = this;
    const { page } = session;
    await page.goto(session.url('/login/'), { waitUntil: 'domcontentloaded' });
    await session.readLanguage();
    const t = session.texts.login;
    await session.step('LoginPage.email', () => session.type(page.getByLabel(sameText(t.email)), email));
    await session.step('LoginPage.password', () => session.type(page.getByLabel(sameText(t.password)), password));
    await session.pause();
    await session.step('LoginPage.submit', () => page.getByRole('button', { name: sameText(t.submit) }).click());
    await page.waitForLoadState('domcontentloaded');
  }
}
