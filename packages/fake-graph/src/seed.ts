import type { GraphStore, TokenKind } from './store.ts';

export interface SeedData {
  /** Pages with their Page token, and optionally the Instagram account connected to each (Facebook Login). */
  pages?: { id: string; name: string; token: string; instagram?: { id: string; username: string } }[];
  /** Instagram Login accounts (graph.instagram.com) with their own token. */
  instagramLogins?: { id: string; username: string; token: string }[];
  /** Further tokens: user tokens, expired or revoked ones. */
  tokens?: { token: string; kind: TokenKind; subject_id: string; expired?: boolean; revoked?: boolean }[];
}

/** The identities the fake starts with when given none (documented in the README). */
export const defaultSeed: Required<SeedData> = {
  pages: [
    { id: '1000000001', name: 'Fake Bakery', token: 'EAAFAKEPAGETOKEN1000000001', instagram: { id: '17841400000000001', username: 'fake.bakery' } },
    { id: '1000000002', name: 'Fake Bookshop', token: 'EAAFAKEPAGETOKEN1000000002' },
  ],
  instagramLogins: [{ id: '17841400000000009', username: 'fake.studio', token: 'IGQFAKELOGINTOKEN17841400000000009' }],
  tokens: [
    { token: 'EAAFAKEUSERTOKEN5000000001', kind: 'user', subject_id: '5000000001' },
    { token: 'EAAFAKEEXPIREDTOKEN1000000001', kind: 'page', subject_id: '1000000001', expired: true },
  ],
};

export function seedDefaults(store: GraphStore, seed: SeedData = defaultSeed): void {
  for (const page of seed.pages ?? []) {
    store.addPage({ id: page.id, name: page.name, ...(page.instagram ? { instagramId: page.instagram.id } : {}) });
    store.addToken({ token: page.token, kind: 'page', subjectId: page.id });
    if (page.instagram) store.addIgUser({ id: page.instagram.id, username: page.instagram.username, login: 'facebook' });
  }
  for (const login of seed.instagramLogins ?? []) {
    store.addIgUser({ id: login.id, username: login.username, login: 'instagram' });
    store.addToken({ token: login.token, kind: 'instagram_login', subjectId: login.id });
  }
  for (const token of seed.tokens ?? []) {
    store.addToken({
      token: token.token,
      kind: token.kind,
      subjectId: token.subject_id,
      ...(token.expired ? { expired: true } : {}),
      ...(token.revoked ? { revoked: true } : {}),
    });
  }
}
