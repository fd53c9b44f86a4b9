import type { SVGProps } from 'react';

// A handful of 16px stroke icons; an icon font or library would cost more than all of them.
function Icon({ d, ...props }: SVGProps<SVGSVGElement> & { d: string }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" {...props}>
      <path d={d} />
    </svg>
  );
}

type P = SVGProps<SVGSVGElement>;
export const IconServices = (p: P) => <Icon d="M4 6h16M4 12h16M4 18h16M8 6v0M8 12v0M8 18v0" {...p} />;
export const IconTraces = (p: P) => <Icon d="M3 5h10M7 10h12M7 15h7M11 20h9" {...p} />;
export const IconLogs = (p: P) => <Icon d="M4 4h16v16H4zM8 9h8M8 13h8M8 17h5" {...p} />;
export const IconMetrics = (p: P) => <Icon d="M3 20h18M5 16l4-6 4 3 6-8" {...p} />;
export const IconCardinality = (p: P) => <Icon d="M4 20V10M10 20V4M16 20v-7M22 20H2" {...p} />;
export const IconClock = (p: P) => <Icon d="M12 7v5l3 2M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18z" {...p} />;
export const IconRefresh = (p: P) => <Icon d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4" {...p} />;
export const IconSun = (p: P) => <Icon d="M12 4V2M12 22v-2M4 12H2M22 12h-2M5.6 5.6 4.2 4.2M19.8 19.8l-1.4-1.4M5.6 18.4l-1.4 1.4M19.8 4.2l-1.4 1.4M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z" {...p} />;
export const IconMoon = (p: P) => <Icon d="M21 13A9 9 0 1 1 11 3a7 7 0 0 0 10 10z" {...p} />;
export const IconChevronRight = (p: P) => <Icon d="m9 6 6 6-6 6" {...p} />;
export const IconChevronDown = (p: P) => <Icon d="m6 9 6 6 6-6" {...p} />;
export const IconChevronLeft = (p: P) => <Icon d="m15 6-6 6 6 6" {...p} />;
export const IconZoomOut = (p: P) => <Icon d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.3-4.3M8 11h6" {...p} />;
export const IconSearch = (p: P) => <Icon d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.3-4.3" {...p} />;
export const IconCopy = (p: P) => <Icon d="M9 9h11v11H9zM5 15H4V4h11v1" {...p} />;
export const IconLink = (p: P) => <Icon d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" {...p} />;
export const IconClose = (p: P) => <Icon d="M6 6l12 12M18 6 6 18" {...p} />;
export const IconAlert = (p: P) => <Icon d="M12 9v4M12 17h0M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" {...p} />;
export const IconKeyboard = (p: P) => <Icon d="M3 6h18v12H3zM7 10h0M11 10h0M15 10h0M7 14h10" {...p} />;
