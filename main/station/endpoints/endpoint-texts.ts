/**
 * Definitions given as one text per endpoint (the desktop window's editor): loaded as the file
 * they make, with each problem placed in the endpoint's own text, at its own line and column.
 */
import { joinForChecking } from '../../../common/endpoints-text';
import {
  DefinitionsError,
  describePlace,
  loadDefinitions,
  parseJsonText,
  type DefinitionsLocation,
  type LoadedDefinitions,
} from './definitions';

/** A problem in one endpoint's text (`part`, its index), or in the list as a whole (null). */
export class EndpointTextError extends DefinitionsError {
  override name = 'EndpointTextError';
  constructor(
    message: string,
    readonly part: number | null,
    location: DefinitionsLocation | null,
    problem: string,
  ) {
    super(message, location, problem);
  }
}

export function loadEndpointTexts(texts: readonly string[]): LoadedDefinitions {
  // Each text on its own first: one that is not exactly one JSON value could change the list.
  texts.forEach((text, part) => {
    try {
      parseJsonText(text);
    } catch (error) {
      if (!(error instanceof DefinitionsError)) throw error;
      throw new EndpointTextError(error.message, part, error.location, error.problem);
    }
  });
  const joined = joinForChecking(texts);
  try {
    return loadDefinitions(joined.text);
  } catch (error) {
    if (!(error instanceof DefinitionsError)) throw error;
    const [list, part, ...inner] = error.location?.path ?? [];
    const text = typeof part === 'number' ? texts[part] : undefined;
    const start = typeof part === 'number' ? joined.starts[part] : undefined;
    if (list !== 'endpoints' || typeof part !== 'number' || text === undefined || start === undefined) {
      throw new EndpointTextError(error.message, null, null, error.problem);
    }
    const { offset, length } = error.location ?? { offset: start, length: 0 };
    const location = { path: inner, offset: offset - start, length };
    const place = describePlace(text, location, 'the endpoint');
    throw new EndpointTextError(`${place}: ${error.problem}`, part, location, error.problem);
  }
}
