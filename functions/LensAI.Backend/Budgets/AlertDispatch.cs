using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Budgets;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

public sealed record AlertDispatch(AlertDispatchOutcome Outcome, string? Detail = null);
