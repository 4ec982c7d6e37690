import type { Cache } from 'mcp-cache'
import { semanticSearchKey, similarExperimentsKey, VECTOR_TAG } from './cache-keys.js'
import { embed, words } from './embedding.js'
import type { ExperimentRepository } from './experiment-repository.js'
import type { SimilarExperiment } from './experiment-types.js'
import { freshness, type RoutedAnswer } from './routed-answer.js'
import { RouterError } from './router-error.js'
import { experimentText, type VectorIndex } from './vector-index.js'

/** What `similar_experiments` answers. */
export interface SimilarExperiments {
  /** The experiment searched from, or undefined for a text search. */
  readonly experimentId?: string
  /** The text searched for, as its words (what the embedding and the cache key are made of). */
  readonly words?: readonly string[]
  readonly k: number
  readonly results: readonly SimilarExperiment[]
}

/**
 * Cache-aside in front of the vector index: a search is answered from
 * `vector:...` entries (24 h, tagged `vectors`) and goes to LanceDB on a miss.
 */
export class ExperimentSearch {
  constructor(
    private readonly cache: Cache,
    private readonly repository: ExperimentRepository,
    private readonly index: VectorIndex,
  ) {}

  /** The `k` experiments whose text is nearest to `experimentId`'s, itself excluded. */
  async similarTo(experimentId: string, k: number): Promise<RoutedAnswer<SimilarExperiments>> {
    const key = similarExperimentsKey(experimentId, k)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () => {
      const experiment = await this.repository.getExperiment(experimentId)
      if (experiment === undefined) throw new RouterError('E_NOT_FOUND', `no experiment ${experimentId}`)
      return { experimentId, k, results: await this.index.nearest(embed(experimentText(experiment)), k, experimentId) }
    }, { tags: [VECTOR_TAG] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /** The `k` experiments nearest to a free text. */
  async search(text: string, k: number): Promise<RoutedAnswer<SimilarExperiments>> {
    const textWords = words(text)
    if (textWords.length === 0) throw new RouterError('E_INVALID_INPUT', 'text has no words to search for (letters or digits, not only words like "the")')
    const key = semanticSearchKey(textWords.join(' '), k)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () =>
      ({ words: textWords, k, results: await this.index.nearest(embed(text), k) }), { tags: [VECTOR_TAG] })
    return { status: freshness(status), cacheKey: key, data: value }
  }
}
