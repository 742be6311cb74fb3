using System.CommandLine;
using System.Text.Json;
using LensAI.Backend.Keys;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>keys create|list|rotate|revoke</c>: per-project API keys with scopes and expiry (only their SHA-256 hash is stored).</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var name = new Option<string?>("--name") { Description = "A label for the key (who or what uses it).", HelpName = "text" };
        var scopes = CommonOptions.Scopes("ingest");
        var expiresIn = CommonOptions.Duration("--expires-in", "The key stops working this long from now (default: never)");
        var create = new Command("create", "Create an API key for a project (a new project starts with its first key). The key is printed once, alone on stdout.") { project, name, scopes, expiresIn };
        context.SetBackendAction(create, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            if (!ApiKeyScopeNames.TryParse(parse.GetValue(scopes) ?? [], out var granted, out var error))
            {
                throw new UsageException("--scope: " + error);
            }

            var expires = parse.GetValue(expiresIn) is { } span ? context.Time.GetUtcNow() + span : (DateTimeOffset?)null;
            var created = await backend.Get<ApiKeyStore>().CreateAsync(id, parse.GetValue(name), granted, expires, CommonOptions.Actor, ct).ConfigureAwait(false);
            context.OutWriter.WriteLine(created.Key);
            context.Note($"Created key {created.Record.Prefix} ({string.Join(", ", created.Record.Scopes ?? [])}) for project '{id}'{(expires is { } e ? ", expiring " + Format.Instant(e) : "")}. " +
                         "It is shown once: store it now (LensAI keeps only its SHA-256 hash).");
            return ExitCodes.Ok;
        });

        var listProject = CommonOptions.Project(required: false);
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var list = new Command("list", "List API keys: prefix, project, name, created, status (never the secret).") { listProject, json };
        context.SetBackendAction(list, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            var filter = parse.GetValue(listProject);
            var records = await backend.Get<ApiKeyStore>().ListAsync(filter, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                WriteJson(context.OutWriter, records);
                return ExitCodes.Ok;
            }

            if (records.Count == 0)
            {
                context.Note(filter is null ? $"No API keys in {backend.StorageDescription}." : $"No API keys for project '{filter}'.");
                return ExitCodes.Ok;
            }

            var table = new Table().RoundedBorder().Title("API keys");
            table.AddColumns("Prefix", "Project", "Name", "Scopes", "Created", "Status");
            var now = context.Time.GetUtcNow();
            foreach (var r in records)
            {
                table.AddRow(
                    new Text(r.Prefix),
                    new Text(r.Project),
                    new Text(r.Name ?? ""),
                    new Text(r.Scopes is null ? "all (unscoped: rotate it)" : string.Join(", ", r.Scopes)),
                    new Text(Format.Instant(r.Created)),
                    Status(r, now));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });

        var prefix = new Argument<string?>("prefix") { Description = "The key's 8-character prefix (as listed), or the whole key.", Arity = ArgumentArity.ZeroOrOne };
        var revokeProject = CommonOptions.Project(required: false);
        var revokeName = new Option<string?>("--name") { Description = "With --project: revoke every active key of the project with this name.", HelpName = "text" };
        var revokeReason = CommonOptions.Reason(required: false);
        var revoke = new Command("revoke", "Revoke a key by prefix, or a project's keys by name: calls with them get 401 from then on (within 30 s on other instances).")
        {
            prefix, revokeProject, revokeName, revokeReason,
        };
        revoke.Validators.Add(r =>
        {
            var byPrefix = r.GetValue(prefix) is not null;
            var byName = r.GetValue(revokeProject) is not null || r.GetValue(revokeName) is not null;
            if (byPrefix == byName)
            {
                r.AddError("Give a key prefix, or --project and --name (not both).");
            }
            else if (byName && (r.GetValue(revokeProject) is null || r.GetValue(revokeName) is null))
            {
                r.AddError("Revoking by name needs both --project and --name.");
            }
        });
        context.SetBackendAction(revoke, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            var store = backend.Get<ApiKeyStore>();
            if (parse.GetValue(prefix) is { } value)
            {
                if (!await store.RevokeAsync(value, CommonOptions.Actor, parse.GetValue(revokeReason), ct).ConfigureAwait(false))
                {
                    throw new CommandFailedException($"No active key with prefix '{ApiKey.PrefixOf(value)}' (see 'lensai keys list').");
                }

                context.Note($"Revoked {ApiKey.PrefixOf(value)}.");
                return ExitCodes.Ok;
            }

            var project = parse.GetRequiredValue(revokeProject)!;
            var name = parse.GetRequiredValue(revokeName)!;
            var active = (await store.ListAsync(project, ct).ConfigureAwait(false)).Where(r => r.Revoked is null && r.Name == name).ToList();
            if (active.Count == 0)
            {
                throw new CommandFailedException($"Project '{project}' has no active key named '{name}' (see 'lensai keys list --project {project}').");
            }

            foreach (var record in active)
            {
                await store.RevokeAsync(record.Prefix, CommonOptions.Actor, parse.GetValue(revokeReason), ct).ConfigureAwait(false);
                context.Note($"Revoked {record.Prefix} ('{name}' of '{project}').");
            }

            return ExitCodes.Ok;
        });

        return new Command("keys", "Manage per-project API keys: scopes, expiry, rotation.") { create, list, Rotate(context), revoke };
    }

    private static Command Rotate(CliContext context)
    {
        var prefix = new Argument<string>("prefix") { Description = "The key's 8-character prefix (as listed), or the whole key." };
        var overlap = CommonOptions.Duration("--overlap", "How long the old key keeps working next to the new one (default 24h)");
        var scopes = CommonOptions.Scopes(defaultScopes: null);
        var expiresIn = CommonOptions.Duration("--expires-in", "The new key stops working this long from now (default: never)");
        var reason = CommonOptions.Reason(required: false);
        var rotate = new Command("rotate", "Replace a key with a new one (same project and name; printed once, alone on stdout). The old key keeps working for the overlap window, then gets 401. " +
                                           "--scope gives the new key other scopes; a key created before scopes existed needs it.")
        {
            prefix, overlap, scopes, expiresIn, reason,
        };
        context.SetBackendAction(rotate, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            ApiKeyScopes? granted = parse.GetValue(scopes) is { Length: > 0 } names && ApiKeyScopeNames.TryParse(names, out var parsed, out _) ? parsed : null;
            var window = parse.GetValue(overlap) ?? TimeSpan.FromHours(24);
            var expires = parse.GetValue(expiresIn) is { } span ? context.Time.GetUtcNow() + span : (DateTimeOffset?)null;
            CreatedApiKey created;
            try
            {
                created = await backend.Get<ApiKeyStore>().RotateAsync(parse.GetRequiredValue(prefix), window, granted, expires, CommonOptions.Actor, parse.GetValue(reason), ct).ConfigureAwait(false);
            }
            catch (KeyNotFoundException ex)
            {
                throw new CommandFailedException(ex.Message);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message.Split(" (Parameter")[0]);
            }

            context.OutWriter.WriteLine(created.Key);
            context.Note($"Rotated {ApiKey.PrefixOf(parse.GetRequiredValue(prefix))} to {created.Record.Prefix} ({string.Join(", ", created.Record.Scopes ?? [])}); " +
                         $"the old key works until {Format.Instant(context.Time.GetUtcNow() + window)}. The new key is shown once: store it now.");
            return ExitCodes.Ok;
        });
        return rotate;
    }

    private static Markup Status(ApiKeyRecord r, DateTimeOffset now) => r switch
    {
        { Revoked: { } revoked } => new Markup($"[red]revoked[/] {Format.Instant(revoked)}"),
        { Expires: { } expires } when expires <= now => new Markup($"[red]expired[/] {Format.Instant(expires)}"),
        { RotatedTo: { } next, Expires: { } until } => new Markup($"[yellow]rotated to {next}[/], works until {Format.Instant(until)}"),
        { Expires: { } expires } => new Markup($"[green]active[/] until {Format.Instant(expires)}"),
        _ => new Markup("[green]active[/]"),
    };

    private static void WriteJson(TextWriter output, IReadOnlyList<ApiKeyRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var r in records)
            {
                writer.WriteStartObject();
                writer.WriteString("prefix", r.Prefix);
                writer.WriteString("project", r.Project);
                writer.WriteString("name", r.Name);
                if (r.Scopes is null)
                {
                    writer.WriteNull("scopes");
                }
                else
                {
                    writer.WriteStartArray("scopes");
                    foreach (var scope in r.Scopes)
                    {
                        writer.WriteStringValue(scope);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteString("created", r.Created);
                WriteInstant(writer, "expires", r.Expires);
                WriteInstant(writer, "revoked", r.Revoked);
                writer.WriteString("rotated_to", r.RotatedTo);

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteInstant(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } instant)
        {
            writer.WriteString(name, instant);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
