import { createContext, useContext } from 'react';
import type { Plan, Project } from '../api/types';

export interface ProjectContextValue {
  projects: Project[];
  plans: Plan[];
  /** The project the policies, audit and usage views show. */
  selected: Project | null;
  select: (projectId: string) => void;
  /** Reload projects after a create or an edit. */
  refresh: () => void;
}

export const ProjectContext = createContext<ProjectContextValue | null>(null);

export function useProjects(): ProjectContextValue {
  const value = useContext(ProjectContext);
  if (!value) throw new Error('useProjects outside of the console shell');
  return value;
}

export function planOf(plans: Plan[], project: Project | null): Plan | undefined {
  return project ? plans.find((plan) => plan.id === project.plan) : undefined;
}
