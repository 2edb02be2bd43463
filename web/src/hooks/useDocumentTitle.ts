import { useEffect } from 'react';

/** Sets the tab title to "<title> · Backbeat" while the calling page is shown. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Backbeat`;
  }, [title]);
}
