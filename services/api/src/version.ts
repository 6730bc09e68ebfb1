/** The public API's version: the OpenAPI document's and `GET /api/platform`'s. */
export const API_VERSION = '1.0.0';
