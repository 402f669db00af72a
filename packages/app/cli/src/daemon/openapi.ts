/** The OpenAPI 3.1 document the daemon serves at /openapi.json. */
import { API_VERSION } from './p2pd-routes.js'

type Param = { name: string; in: 'path' | 'query'; required: boolean; schema: { type: string } }

const name: Param = { name: 'name', in: 'path', required: true, schema: { type: 'string' } }
const timeout: Param = { name: 'timeout', in: 'query', required: false, schema: { type: 'number' } }
const pattern: Param = { name: 'pattern', in: 'query', required: false, schema: { type: 'string' } }
const sub: Param = { name: 'sub', in: 'path', required: true, schema: { type: 'string' } }

const json = { 'application/json': { schema: { $ref: '#/components/schemas/Reply' } } }
const reply = (description: string) => ({ '200': { description, content: json } })

function get(summary: string, parameters: Param[] = []) {
  return { get: { summary, parameters, responses: reply(summary) } }
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'weft daemon',
      version: API_VERSION,
      description:
        "P2PD's REST API over weft connections. Every route needs `Authorization: Bearer <token>` (or the cookie /login sets). P2PD errors are HTTP 200 with a non-zero `error`; 401, 403, 404 and 413 come from the daemon itself. Every v3 route also answers under /p2p/ (con = info, pipe = tunnel).",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Reply: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: ['integer', 'string'] }, msg: { type: 'string' } },
          additionalProperties: true,
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/version': get('Daemon name and API version'),
      '/ifs': get('Network interfaces'),
      '/addr': get("This node's address (a multiaddr with its peer id)"),
      '/open/{name}/{addr}': get('Open a named connection to a multiaddr, or to `self`', [
        name,
        { name: 'addr', in: 'path', required: true, schema: { type: 'string' } },
      ]),
      '/info/{name}': get('Describe a named connection', [name]),
      '/send/{name}/{text}': get('Send a text message', [
        name,
        { name: 'text', in: 'path', required: true, schema: { type: 'string' } },
      ]),
      '/recv/{name}': get('Receive the next message (optionally matching a sub or pattern)', [
        name,
        timeout,
        pattern,
      ]),
      '/close/{name}': get('Close a named connection', [name]),
      '/binary/{name}': {
        ...get('Receive the next message as bytes', [name, timeout, pattern]),
        post: {
          summary: 'Send the body as one message',
          parameters: [name],
          requestBody: {
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          responses: reply('bytes sent'),
        },
      },
      '/tunnel/{name}': get('Turn this HTTP connection into a raw pipe (no HTTP response follows)', [name]),
      '/sub/{name}/name/{sub}/msg_p/{pattern}': {
        ...get('Name a message pattern for /recv', [
          name,
          sub,
          { name: 'pattern', in: 'path', required: true, schema: { type: 'string' } },
        ]),
      },
      '/sub/{name}/name/{sub}': {
        delete: { summary: 'Forget a named pattern', parameters: [name, sub], responses: reply('removed') },
      },
      '/peers': get('Connected peers, their connections and the rung each took'),
      '/stats': get('Traffic totals and recent history'),
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text format)',
          responses: { '200': { description: 'metrics' } },
        },
      },
      '/openapi.json': get('This document'),
      '/login': get('Set the token cookie for the dashboard, then redirect to /', [
        { name: 'token', in: 'query', required: true, schema: { type: 'string' } },
      ]),
    },
  }
}
