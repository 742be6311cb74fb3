using System.Text.Json;
using LensAI.Backend.Storage;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>Where budgets, their state, the kill-switch documents and the audit trail live in object storage.</summary>
internal sealed class BudgetStore(IObjectStore store, TimeProvider time)
{
    public const string BudgetsPrefix = "_system/budgets/";

    public IObjectStore Store => store;

    public static string BudgetsKey(string project) => $"{BudgetsPrefix}{project}.json";

    public static string StateKey(string project) => $"_system/budget-state/{project}.json";

    public static string StatusKey(string project) => $"_system/status/{project}.json";

    public async Task<IReadOnlyList<string>> ProjectsWithBudgetsAsync(CancellationToken cancellationToken)
    {
        var projects = new List<string>();
        await foreach (var o in store.ListAsync(BudgetsPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (o.Key.EndsWith(".json", StringComparison.Ordinal))
            {
                projects.Add(o.Key[BudgetsPrefix.Length..^".json".Length]);
            }
        }

        return projects;
    }

    public async Task<BudgetFile?> GetBudgetsAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(BudgetsKey(project), cancellationToken).ConfigureAwait(false);
        return stored is null ? null : JsonSerializer.Deserialize(stored.Content, BudgetJsonContext.Default.BudgetFile);
    }

    /// <summary>Parses and validates a budgets file; throws <see cref="BudgetValidationException"/> naming every problem.</summary>
    public static BudgetFile Parse(ReadOnlySpan<byte> json)
    {
        BudgetFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, BudgetJsonContext.Default.BudgetFile);
        }
        catch (JsonException ex)
        {
            throw new BudgetValidationException([(ex.Path ?? "/", "is not valid: " + ex.Message.Split('.')[0] + ".")]);
        }

        if (file is null)
        {
            throw new BudgetValidationException([("/", "must be a JSON object.")]);
        }

        var errors = file.Validate();
        return errors.Count > 0 ? throw new BudgetValidationException(errors) : file;
    }

    public async Task SetBudgetsAsync(string project, BudgetFile file, string actor, CancellationToken cancellationToken)
    {
        if (file.Validate() is { Count: > 0 } errors)
        {
            throw new BudgetValidationException(errors);
        }

        await store.PutAsync(BudgetsKey(project), JsonSerializer.SerializeToUtf8Bytes(file, BudgetJsonContext.Default.BudgetFile), cancellationToken).ConfigureAwait(false);
        await AuditAsync(project, actor, "budgets.set", $"{file.Budgets.Count} budget(s){(file.DefaultUserBudget is null ? "" : " + default per-user budget")}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<(BudgetStateFile State, string? ETag)> GetStateAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(StateKey(project), cancellationToken).ConfigureAwait(false);
        return stored is null
            ? (new BudgetStateFile(), null)
            : (JsonSerializer.Deserialize(stored.Content, BudgetStateJsonContext.Default.BudgetStateFile) ?? new BudgetStateFile(), stored.ETag);
    }

    /// <summary>Writes the state only if nobody changed it since <paramref name="etag"/>; returns the new ETag or null on conflict.</summary>
    public Task<string?> TrySetStateAsync(string project, BudgetStateFile state, string? etag, CancellationToken cancellationToken)
        => store.PutConditionalAsync(StateKey(project), JsonSerializer.SerializeToUtf8Bytes(state, BudgetStateJsonContext.Default.BudgetStateFile), etag, cancellationToken);

    public Task SetStatusAsync(BudgetStatusDocument document, CancellationToken cancellationToken)
        => store.PutAsync(StatusKey(document.ProjectId), JsonSerializer.SerializeToUtf8Bytes(document, BudgetStatusJsonContext.Default.BudgetStatusDocument), cancellationToken);

    public async Task<StoredObject?> GetStatusAsync(string project, CancellationToken cancellationToken)
        => await store.GetAsync(StatusKey(project), cancellationToken).ConfigureAwait(false);

    /// <summary>Appends an audit entry (<c>_system/audit/&lt;project&gt;/&lt;yyyy-MM&gt;/&lt;ULID&gt;.json</c>).</summary>
    public async Task AuditAsync(string project, string actor, string action, string detail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = new AuditEntry(now, project, actor, action, detail);
        var key = $"_system/audit/{project}/{now:yyyy-MM}/{EventIds.NewUlid(now)}.json";
        await store.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(entry, AuditJsonContext.Default.AuditEntry), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntry>> AuditTrailAsync(string project, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntry>();
        await foreach (var o in store.ListAsync($"_system/audit/{project}/", cancellationToken).ConfigureAwait(false))
        {
            if (await store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false) is { } stored
                && JsonSerializer.Deserialize(stored.Content, AuditJsonContext.Default.AuditEntry) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries.OrderBy(e => e.At).ToList();
    }
}
