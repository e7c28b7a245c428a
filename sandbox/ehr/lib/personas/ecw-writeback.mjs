// eCW write-back API emulation for the ecw persona.

import { sendJson } from './http-io.mjs';

export async function handleEcwWriteback(persona, req, res) {
  return sendJson(res, 404, { error: 'eCW write-back is not served yet' });
}
