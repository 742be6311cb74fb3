namespace LensAI.Backend.Jobs;

/// <summary>One timer job: a timer function in the Azure Functions worker, a scheduled task in the ASP.NET Core app.</summary>
public interface IBackendJob
{
    /// <summary>Its name and schedule: one of <see cref="JobRegistry.All"/>.</summary>
    JobDefinition Definition { get; }

    /// <summary>Runs once. Must be idempotent and safe to re-run after a crash at any point.</summary>
    Task<JobResult> RunAsync(CancellationToken cancellationToken);
}
