export { createMetaPublisher, type MetaPublisherOptions } from './meta-publisher.ts';
export { checkMetaAccount, type MetaAccountCheck } from './account-check.ts';
export type { ContainerPolling } from './instagram-publisher.ts';
export { refreshInstagramLoginTokens, startTokenRefreshSweep, INSTAGRAM_TOKEN_LIFETIME_MS, type TokenRefreshDeps } from './token-refresh.ts';
