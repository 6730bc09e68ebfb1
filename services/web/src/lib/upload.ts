import { tokenStore, toApiError } from '../api/client.ts';
import type { Media } from '../api/types.ts';

/** `POST /api/media` with upload progress (fetch cannot report it; XMLHttpRequest can). */
export function uploadMedia(file: File, onProgress: (percent: number) => void): Promise<Media> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/media');
    const token = tokenStore.get();
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    request.onload = () => {
      const response = new Response(request.responseText, { status: request.status, headers: { 'content-type': 'application/json' } });
      if (request.status === 201) resolve(JSON.parse(request.responseText) as Media);
      else void toApiError(response).then(reject);
    };
    request.onerror = () => reject(new Error('The upload was interrupted; check the connection and try again'));
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}
