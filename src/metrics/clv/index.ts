export { SummaryBuilder, summarizePurchases, toEpochDay } from './summary.ts';
export type { CustomerId, CustomerSummaries, DayInput, Purchase, SummaryOptions } from './summary.ts';
export {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodGradient,
  conditionalExpectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
  validateFrequencyRecency,
} from './bgnbd.ts';
export type { BgNbdFit, BgNbdParams, FitBgNbdOptions, FrequencyRecencyData } from './bgnbd.ts';
export { expectedAverageSpend, fitGammaGamma, gammaGammaLogLikelihood, gammaGammaLogLikelihoodGradient } from './gamma-gamma.ts';
export type { FitGammaGammaOptions, FrequencyMonetaryData, GammaGammaFit, GammaGammaParams } from './gamma-gamma.ts';
export { customerLifetimeValue, monthlyRateFromAnnual } from './lifetime-value.ts';
export type { LifetimeValueInput, LifetimeValueOptions } from './lifetime-value.ts';
export { holdoutComparison } from './holdout.ts';
export type { HoldoutRow } from './holdout.ts';
export { minimize, minimizeBfgs, minimizeNelderMead } from './optimizer.ts';
export type { MinimizeOptions, MinimizeResult, Objective } from './optimizer.ts';
export { groupIdenticalRows } from './grouping.ts';
export type { GroupedColumns } from './grouping.ts';
export { digamma, hyp2f1, logBeta, logGamma } from './special-functions.ts';
