// athenaOne REST emulation for the athena persona.

import { sendJson } from './http-io.mjs';

export async function handleAthena(persona, req, res) {
  return sendJson(res, 404, { error: 'athenaOne REST is not served yet' });
}
