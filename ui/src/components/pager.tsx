// Previous / next over the API's opaque page tokens: the tokens of the pages
// before are kept on a stack, so "previous" needs no token from the server.
export interface PagerProps {
  readonly page: number;
  readonly hasNext: boolean;
  readonly onPrevious: () => void;
  readonly onNext: () => void;
  readonly label: string;
}

export function Pager({ page, hasNext, onPrevious, onNext, label }: PagerProps) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={onPrevious} disabled={page === 0}>
        Previous page
      </button>
      <span aria-live="polite">Page {page + 1}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next page
      </button>
    </nav>
  );
}
