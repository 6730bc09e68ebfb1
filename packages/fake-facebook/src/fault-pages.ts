import { dialog, divButton, escapeHtml, idMaker, renderPage } from './html.ts';
import type { FakeLocale } from './texts.ts';

/** What the fault pages say, as Facebook words it (kept beside them: only faults show these). */
const faultTexts: Record<FakeLocale, { captchaTitle: string; captchaBody: string; continue: string; twoStepTitle: string; twoStepBody: string }> = {
  en_US: {
    captchaTitle: 'Security check',
    captchaBody: 'Enter the characters you see in the image below.',
    continue: 'Continue',
    twoStepTitle: 'Two-factor authentication required',
    twoStepBody: 'Enter the 6-digit code from your authentication app to continue.',
  },
  es_LA: {
    captchaTitle: 'Control de seguridad',
    captchaBody: 'Ingresa los caracteres que ves en la imagen.',
    continue: 'Continuar',
    twoStepTitle: 'Se requiere autenticación en dos pasos',
    twoStepBody: 'Ingresa el código de 6 dígitos de tu app de autenticación para continuar.',
  },
};

/** A captcha Facebook puts over the page asked for, at its own address. */
export function captchaPage(locale: FakeLocale): string {
  const t = faultTexts[locale];
  const id = idMaker();
  const body = `<p>${escapeHtml(t.captchaBody)}</p><div role="img" aria-label="captcha" style="width:180px;height:50px;background:repeating-linear-gradient(45deg,#ccc,#ccc 4px,#eee 4px,#eee 8px)"></div>
<input type="text" id="${id()}" aria-label="${escapeHtml(t.captchaTitle)}">${divButton(id, t.continue)}`;
  return renderPage({ locale, title: 'Facebook', main: '', portals: dialog(id, t.captchaTitle, body, '') });
}

/** Facebook's two-step verification page (`/two_step_verification/...`). */
export function twoStepPage(locale: FakeLocale): string {
  const t = faultTexts[locale];
  const id = idMaker();
  return renderPage({
    locale,
    title: t.twoStepTitle,
    main: `<h1>${escapeHtml(t.twoStepTitle)}</h1><p>${escapeHtml(t.twoStepBody)}</p><input type="text" inputmode="numeric" id="${id()}" aria-label="Code">${divButton(id, t.continue)}`,
  });
}
