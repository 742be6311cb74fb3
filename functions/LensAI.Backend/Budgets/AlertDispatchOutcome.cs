using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Budgets;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>The outcome of a delivery attempt.</summary>
public enum AlertDispatchOutcome
{
    Delivered,
    RetryLater,
    Failed,
}
