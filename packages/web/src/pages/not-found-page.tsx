import { Link } from 'react-router';
import { EmptyState } from '../components/states.js';
import { useRangeLink } from '../app/url-state.js';

export function NotFoundPage() {
  const link = useRangeLink();
  return (
    <div className="page">
      <EmptyState title="This page does not exist">
        Check the address, or go back to <Link to={link('/services')}>Services</Link>.
      </EmptyState>
    </div>
  );
}
