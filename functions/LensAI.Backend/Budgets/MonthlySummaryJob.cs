using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Backend.Jobs;
using LensAI.Backend.Reports;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Daily (see <see cref="JobRegistry.MonthlySummary"/>): e-mails last month's usage summary of every project with
/// budgets — cost, calls and tokens, the cost by model and by user, the budgets now — to
/// <c>LensAI:Backend:Alerts:Email:To</c> and the recipients of the project's project-scope budgets; and, for a chat
/// app that bills its users, each user budget with recipients of its own (<c>email_to</c>) gets that user's summary.
/// Each message is sent once: a record per message is claimed with a conditional write before sending and marked sent
/// after, so the first run of a month sends and later runs (and other instances) skip; a transient SMTP failure leaves
/// it for the next run, a permanent one is recorded and not sent again. Off when e-mail is not configured or
/// <c>MonthlySummary</c> is false.
/// </summary>
internal sealed partial class MonthlySummaryJob(BudgetStore budgets, ReportService reports, IAlertDispatcher dispatcher, TimeProvider time, ILogger<MonthlySummaryJob> logger) : IBackendJob
{
    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(10);

    public JobDefinition Definition => JobRegistry.MonthlySummary;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        if (dispatcher is not ChannelAlertDispatcher { Email: { } email } || !email.Options.MonthlySummary)
        {
            return JobResult.Of("e-mail is not configured (LensAI:Backend:Alerts:Email) or MonthlySummary is off: no summaries sent");
        }

        var now = time.GetUtcNow();
        var month = new DateOnly(now.Year, now.Month, 1).AddMonths(-1);
        var from = new DateTimeOffset(month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var log = new List<string>();
        int sent = 0, skipped = 0, failed = 0;
        foreach (var project in await budgets.ProjectsWithBudgetsAsync(cancellationToken).ConfigureAwait(false))
        {
            var file = await budgets.GetBudgetsAsync(project, cancellationToken).ConfigureAwait(false) ?? new BudgetFile();
            ProjectReport? report = null;
            foreach (var (key, compose) in Messages(project, month, file, email.Options.To))
            {
                var record = RecordKey(project, month, key);
                var (claimed, etag) = await TryClaimAsync(record, now, cancellationToken).ConfigureAwait(false);
                if (!claimed)
                {
                    skipped++;
                    continue;
                }

                report ??= await reports.BuildAsync(project, from, from.AddMonths(1), top: 100_000, cancellationToken).ConfigureAwait(false);
                var message = compose(report);
                var result = message.To.Count == 0
                    ? new AlertDeliveryResult(AlertDeliveryStatus.Failed, "no recipients", 0)
                    : await email.SendAsync(message, cancellationToken).ConfigureAwait(false);
                var status = result.Status switch
                {
                    AlertDeliveryStatus.Delivered => "sent",
                    AlertDeliveryStatus.Failed => "failed",
                    _ => "retry",
                };
                await SettleAsync(record, etag, status, result.IsDelivered ? null : result.Message, cancellationToken).ConfigureAwait(false);
                log.Add($"{project}: {month:yyyy-MM} summary ({message.To.Count} recipient(s)) {status}{(result.IsDelivered ? string.Empty : ": " + result.Message)}");
                if (result.IsDelivered)
                {
                    sent++;
                }
                else
                {
                    failed++;
                    LogNotSent(logger, project, status, result.Message);
                }
            }
        }

        return new JobResult($"{month:yyyy-MM}: {sent} summary e-mail(s) sent, {failed} not sent, {skipped} already sent or in progress", log);
    }

    /// <summary>The summaries of a project: the project's own (if anyone gets it), then one per user budget with recipients.</summary>
    private static IEnumerable<(string Key, Func<ProjectReport, EmailMessage> Compose)> Messages(string project, DateOnly month, BudgetFile file, IReadOnlyList<string> defaults)
    {
        var projectTo = defaults.Concat(file.Budgets.Where(b => b.Scope == "project").SelectMany(b => b.EmailTo ?? []))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (projectTo.Count > 0)
        {
            yield return ("project", report => EmailMessages.ProjectSummary(project, month, report, projectTo));
        }

        foreach (var budget in file.Budgets.Where(b => b.Scope == "user" && b.ScopeValue is not null && b.EmailTo is { Count: > 0 }))
        {
            var user = budget.ScopeValue!;
            yield return ("user|" + user, report => EmailMessages.UserSummary(project, user, month,
                report.ByUser.FirstOrDefault(r => r.Key == user), budget.Id, budget.AmountUsd, budget.Period, budget.EmailTo!));
        }
    }

    private static string RecordKey(string project, DateOnly month, string key) =>
        $"_system/summaries/{project}/{month.ToString("yyyy-MM", CultureInfo.InvariantCulture)}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))).AsSpan(0, 32)}.json";

    /// <summary>Claims a message: true with the record's ETag when this run is to send it.</summary>
    private async Task<(bool Claimed, string? ETag)> TryClaimAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = await budgets.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var record = stored is null ? new SummaryRecord() : JsonSerializer.Deserialize(stored.Content, SummaryJsonContext.Default.SummaryRecord) ?? new SummaryRecord();
        if (stored is not null && (record.Status is "sent" or "failed" || (record.Status == "claimed" && record.ClaimedUntil > now)))
        {
            return (false, null);
        }

        record.Status = "claimed";
        record.ClaimedUntil = now + ClaimFor;
        record.Attempts++;
        record.UpdatedAt = now;
        var etag = await budgets.Store.PutConditionalAsync(key, JsonSerializer.SerializeToUtf8Bytes(record, SummaryJsonContext.Default.SummaryRecord), stored?.ETag, cancellationToken).ConfigureAwait(false);
        return (etag is not null, etag);
    }

    private async Task SettleAsync(string key, string? etag, string status, string? error, CancellationToken cancellationToken)
    {
        var stored = await budgets.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var record = stored is null ? new SummaryRecord() : JsonSerializer.Deserialize(stored.Content, SummaryJsonContext.Default.SummaryRecord) ?? new SummaryRecord();
        record.Status = status;
        record.ClaimedUntil = null;
        record.UpdatedAt = time.GetUtcNow();
        record.LastError = error;

        // Only over our own claim: if it expired and another run took it, that run records its own outcome.
        if (stored?.ETag == etag)
        {
            await budgets.Store.PutConditionalAsync(key, JsonSerializer.SerializeToUtf8Bytes(record, SummaryJsonContext.Default.SummaryRecord), etag, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The monthly summary of project {Project} was not sent ({Status}): {Detail}")]
    private static partial void LogNotSent(ILogger logger, string project, string status, string detail);
}
