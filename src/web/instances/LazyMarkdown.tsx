import { lazy, Suspense } from 'react';

// react-markdown is loaded when a Markdown text is first shown (a plan in the overview), not with the page.
// It renders no raw HTML: HTML in the text is shown as text.
const Markdown = lazy(() => import('react-markdown'));

export function LazyMarkdown({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="md" data-testid={testId}>
      <Suspense fallback={<pre className="plain">{text}</pre>}>
        <Markdown>{text}</Markdown>
      </Suspense>
    </div>
  );
}
