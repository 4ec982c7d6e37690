import type { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'
import type { ExperimentSearch } from './experiment-search.js'
import { RouterError } from './router-error.js'
import { answer, id } from './tool-answer.js'

/** Registers the vector search tool (the seed's ChromaDBProcessor). */
export function registerSearchTools(server: McpServer, search: ExperimentSearch): void {
  server.registerTool('similar_experiments', {
    description: 'The k experiments whose name, description and variants are nearest to an experiment (experiment_id) or to a text (text), ' +
      'by vector search over embeddings of their words (cached 24 h; dropped when an experiment changes).',
    inputSchema: z.object({ experiment_id: id.optional(), text: z.string().max(2000).optional(), k: z.number().int().min(1).max(20).default(3) }),
    annotations: { readOnlyHint: true, openWorldHint: false },
  }, ({ experiment_id, text, k }) => answer(async () => {
    if (experiment_id !== undefined && text === undefined) return search.similarTo(experiment_id, k)
    if (text !== undefined && experiment_id === undefined) return search.search(text, k)
    throw new RouterError('E_INVALID_INPUT', 'give either experiment_id (experiments like this one) or text (experiments about this), not both and not neither')
  }))
}
