using System.Text.Json;
using LensAI.Backend.Storage;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>Where budgets, their state, the kill-switch documents and the audit trail live in object storage.</summary>
internal sealed class BudgetStore(IObjectStore store, TimeProvider time)
{
    public const string BudgetsPrefix = "_system/budgets/";

    public IObjectStore Store => store;

    /// <summary>The projects' audit logs, in the same store.</summary>
    internal AuditLog Audit { get; } = new(store, time);

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

    public Task SetBudgetsAsync(string project, BudgetFile file, string actor, CancellationToken cancellationToken)
        => SetBudgetsAsync(project, file, actor, reason: null, cancellationToken);

    /// <summary>
    /// Validates and stores the project's budgets file, then appends one audit entry per budget created, changed or
    /// deleted (and one for the default per-user budget or the time zone when they changed), with the values before
    /// and after.
    /// </summary>
    internal async Task SetBudgetsAsync(string project, BudgetFile file, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (file.Validate() is { Count: > 0 } errors)
        {
            throw new BudgetValidationException(errors);
        }

        BudgetFile before;
        while (true)
        {
            // Conditional, so the tiers a subscription webhook stores meanwhile are kept (they are server-owned).
            var stored = await store.GetAsync(BudgetsKey(project), cancellationToken).ConfigureAwait(false);
            before = stored is null ? new BudgetFile() : JsonSerializer.Deserialize(stored.Content, BudgetJsonContext.Default.BudgetFile) ?? new BudgetFile();
            file.UserTiers = before.UserTiers;
            if (await store.PutConditionalAsync(BudgetsKey(project), JsonSerializer.SerializeToUtf8Bytes(file, BudgetJsonContext.Default.BudgetFile), stored?.ETag, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }
        }

        var budgetType = AuditJsonContext.Default.BudgetDefinition;
        foreach (var id in before.Budgets.Select(b => b.Id).Union(file.Budgets.Select(b => b.Id), StringComparer.Ordinal))
        {
            var old = AuditLog.ToJson(before.Budgets.FirstOrDefault(b => b.Id == id), budgetType);
            var now = AuditLog.ToJson(file.Budgets.FirstOrDefault(b => b.Id == id), budgetType);
            var kind = old is null ? "budget.created" : now is null ? "budget.deleted" : "budget.changed";
            if (kind != "budget.changed" || !JsonElement.DeepEquals(old!.Value, now!.Value))
            {
                await Audit.AppendAsync(project, actor, kind, "budget:" + id, old, now, reason, cancellationToken).ConfigureAwait(false);
            }
        }

        var oldDefaults = AuditLog.ToJson(before.DefaultUserBudget, AuditJsonContext.Default.DefaultUserBudget);
        var newDefaults = AuditLog.ToJson(file.DefaultUserBudget, AuditJsonContext.Default.DefaultUserBudget);
        if (!Same(oldDefaults, newDefaults))
        {
            var kind = oldDefaults is null ? "budget.created" : newDefaults is null ? "budget.deleted" : "budget.changed";
            await Audit.AppendAsync(project, actor, kind, "budget:default_user_budget", oldDefaults, newDefaults, reason, cancellationToken).ConfigureAwait(false);
        }

        if (before.TimeZone != file.TimeZone)
        {
            await Audit.AppendAsync(project, actor, "budget.changed", "budgets:time_zone", JsonSerializer.SerializeToElement(before.TimeZone, AuditJsonContext.Default.String),
                JsonSerializer.SerializeToElement(file.TimeZone, AuditJsonContext.Default.String), reason, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sets <paramref name="user"/>'s tier as the billing system says (see <see cref="BudgetFile.UserTiers"/>), with a
    /// conditional write, and audits a change (<c>user.tier_changed</c>, before and after). An assignment older than the
    /// stored one is ignored (events can arrive out of order). Returns the tier before, and whether anything changed.
    /// </summary>
    internal async Task<(string? Before, bool Changed)> SetUserTierAsync(string project, string user, AssignedTier tier, string actor, string? reason, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stored = await store.GetAsync(BudgetsKey(project), cancellationToken).ConfigureAwait(false);
            var file = stored is null ? new BudgetFile() : JsonSerializer.Deserialize(stored.Content, BudgetJsonContext.Default.BudgetFile) ?? new BudgetFile();
            file.UserTiers ??= new Dictionary<string, AssignedTier>(StringComparer.Ordinal);
            var old = file.UserTiers.GetValueOrDefault(user);
            if (old is not null && (old.At > tier.At || (old.At == tier.At && old.Tier == tier.Tier)))
            {
                return (old.Tier, false);
            }

            file.UserTiers[user] = tier;
            if (await store.PutConditionalAsync(BudgetsKey(project), JsonSerializer.SerializeToUtf8Bytes(file, BudgetJsonContext.Default.BudgetFile), stored?.ETag, cancellationToken).ConfigureAwait(false) is null)
            {
                continue;
            }

            if (old?.Tier != tier.Tier)
            {
                await Audit.AppendAsync(project, actor, "user.tier_changed", "user:" + user,
                    old is null ? null : JsonSerializer.SerializeToElement(old.Tier, AuditJsonContext.Default.String),
                    JsonSerializer.SerializeToElement(tier.Tier, AuditJsonContext.Default.String), reason, cancellationToken).ConfigureAwait(false);
            }

            return (old?.Tier, old?.Tier != tier.Tier);
        }
    }

    private static bool Same(JsonElement? a, JsonElement? b) => a is null ? b is null : b is not null && JsonElement.DeepEquals(a.Value, b.Value);

    public async Task<(BudgetStateFile State, string? ETag)> GetStateAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(StateKey(project), cancellationToken).ConfigureAwait(false);
        return stored is null
            ? (new BudgetStateFile(), null)
            : (JsonSerializer.Deserialize(stored.Content, BudgetStateJsonContext.Default.BudgetStateFile) ?? new BudgetStateFile(), stored.ETag);
    }

    /// <summary>Writes the state only if nobody changed it since <paramref name="etag"/>; returns the new ETag or null on conflict.</summary>
    public Task<string?> TrySetStateAsync(string project, BudgetStateFile state, string? etag, CancellationToken cancellationToken)
        => TrySetStateAsync(project, SerializeState(state), etag, cancellationToken);

    /// <summary>Writes serialized state (<see cref="SerializeState"/>) only if nobody changed it since <paramref name="etag"/>; returns the new ETag or null on conflict.</summary>
    public Task<string?> TrySetStateAsync(string project, byte[] state, string? etag, CancellationToken cancellationToken)
        => store.PutConditionalAsync(StateKey(project), state, etag, cancellationToken);

    public static byte[] SerializeState(BudgetStateFile state) => JsonSerializer.SerializeToUtf8Bytes(state, BudgetStateJsonContext.Default.BudgetStateFile);

    /// <summary>
    /// Writes the kill-switch document unless the stored one already says the same (everything but its
    /// <c>generated_at</c>): unchanged figures keep their document, its time and its ETag (the SDK's poll gets 304).
    /// A conditional write, so of two checks racing, the one that read the newer document wins. Returns the ETag of
    /// the document now stored.
    /// </summary>
    public async Task<string> SetStatusIfChangedAsync(BudgetStatusDocument document, CancellationToken cancellationToken)
    {
        var key = StatusKey(document.ProjectId);
        while (true)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is not null && GeneratedAtOf(stored.Content) is { } at)
            {
                var same = new BudgetStatusDocument { ProjectId = document.ProjectId, GeneratedAt = at, Budgets = document.Budgets };
                if (JsonSerializer.SerializeToUtf8Bytes(same, BudgetStatusJsonContext.Default.BudgetStatusDocument).AsSpan().SequenceEqual(stored.Content))
                {
                    return stored.ETag;
                }
            }

            var content = JsonSerializer.SerializeToUtf8Bytes(document, BudgetStatusJsonContext.Default.BudgetStatusDocument);
            if (await store.PutConditionalAsync(key, content, stored?.ETag, cancellationToken).ConfigureAwait(false) is { } etag)
            {
                return etag;
            }
        }
    }

    /// <summary>The ETag of the stored kill-switch document, or null when there is none.</summary>
    public async Task<string?> StatusETagAsync(string project, CancellationToken cancellationToken)
        => (await store.GetAsync(StatusKey(project), cancellationToken).ConfigureAwait(false))?.ETag;

    /// <summary>A status document's <c>generated_at</c>, read without parsing its budgets (it comes second); null if absent or malformed.</summary>
    internal static DateTimeOffset? GeneratedAtOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals("generated_at"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (found)
                {
                    return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? at : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not a document we wrote: it is replaced.
        }

        return null;
    }

    public async Task<StoredObject?> GetStatusAsync(string project, CancellationToken cancellationToken)
        => await store.GetAsync(StatusKey(project), cancellationToken).ConfigureAwait(false);

    /// <summary>Every audit entry of <paramref name="project"/>, oldest first (see <see cref="AuditLog"/>).</summary>
    public Task<IReadOnlyList<AuditEntry>> AuditTrailAsync(string project, CancellationToken cancellationToken) => Audit.AllAsync(project, cancellationToken);
}
