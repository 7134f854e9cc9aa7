// Pure. Finds the relative links of a Markdown file and the anchors its headings get, the way
// GitHub renders them, so a test can check that every link a reader may follow resolves.

export interface MarkdownLink {
  /** As written: `docs/policy.md#action`, `#caching`, `../README.md`. */
  target: string
  line: number
}

/** Lines outside fenced code blocks, with their 1-based numbers: links and headings in code are text. */
function proseLines (markdown: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = []
  let fence: string | null = null
  markdown.split('\n').forEach((text, index) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(text)
    if (opener !== null) {
      const mark = opener[1] as string
      if (fence === null) fence = mark
      else if (mark.startsWith(fence)) fence = null
      return
    }
    if (fence === null) out.push({ text, line: index + 1 })
  })
  return out
}

/** Inline code spans (`[x](y)` inside backticks is not a link). */
function withoutCodeSpans (text: string): string {
  return text.replace(/`[^`]*`/g, '')
}

/** Links that point into the repository: not `http(s):`, `mailto:` or other schemes. */
export function relativeLinks (markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = []
  for (const { text, line } of proseLines(markdown)) {
    const prose = withoutCodeSpans(text)
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] as string
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      links.push({ target, line })
    }
    for (const match of prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)) {
      const target = match[1] as string
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line })
    }
  }
  return links
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug (heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor the file's headings produce; repeated headings get `-1`, `-2`, … as on GitHub. */
export function headingAnchors (markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)
    if (heading === null) continue
    const slug = headingSlug(heading[1] as string)
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

/** `docs/x.md` or `docs/x.md#anchor` mentioned in a source or config comment. */
export function docsMentions (text: string): MarkdownLink[] {
  const mentions: MarkdownLink[] = []
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/(?<![\w/.-])(docs\/[\w./-]+\.md(?:#[\w-]+)?)/g)) {
      mentions.push({ target: match[1] as string, line: index + 1 })
    }
  })
  return mentions
}
