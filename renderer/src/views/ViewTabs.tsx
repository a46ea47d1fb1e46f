import { useNavigation } from '../stores/navigation.js';
import { VIEWS } from './registry.js';

/** The tabs that switch between the workstation's screens. */
export function ViewTabs() {
  const active = useNavigation((state) => state.view);
  const open = useNavigation((state) => state.open);
  return (
    <nav className="view-tabs" aria-label="Views">
      {VIEWS.map((view) => (
        <button
          key={view.id}
          type="button"
          className={view.id === active ? 'active' : ''}
          aria-current={view.id === active ? 'page' : undefined}
          data-testid={`view-${view.id}`}
          onClick={() => {
            open(view.id);
          }}
        >
          {view.title}
        </button>
      ))}
    </nav>
  );
}
