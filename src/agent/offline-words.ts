/** Common names of the environments, mapped to the configured names they stand for. */
const ENV_ALIASES: Record<string, string> = {
  prod: 'prd',
  production: 'prd',
  test: 'tst',
  testing: 'tst',
  staging: 'tst',
  development: 'dev',
};

/** The environment a common name stands for ("production" → "prd"); undefined when it stands for none. */
export function envAlias(word: string): string | undefined {
  return Object.hasOwn(ENV_ALIASES, word) ? ENV_ALIASES[word] : undefined;
}

/** Lower case, single spaces, no Slack mention or trailing punctuation, "blue-green" phrasing dropped. */
export function normalise(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+>/g, ' ')
    .toLowerCase()
    .replace(/\b(?:please|jarvis|can you|could you)\b/g, ' ')
    .replace(/\b(?:using|with|via) (?:a )?(?:blue[-/ ]?green|b\/g)(?: strategy| deployment)?\b/g, ' ')
    .replace(/\bto (?:the )?previous(?: version)?\b/g, ' ')
    .replace(/roll back/g, 'rollback')
    .replace(/[?!.,;:]+(\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:show(?: me)?|get|give me|list|what(?:'s| is) the) /, (m) =>
      m.startsWith('what') ? m : '',
    );
}
