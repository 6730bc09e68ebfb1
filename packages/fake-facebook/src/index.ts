export * from './server.ts';
export * from './state.ts';
export { fakeTexts, fakeLocales, places, type FakeLocale } from './texts.ts';
