export * from './load-shedding.options';
export { LoadShedder } from './load-shedder';
export { PriorityAdmission, UpstreamLoad, levelOf } from './priority-admission';
