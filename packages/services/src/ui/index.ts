export * from './startmodel';
export * from './startview';
