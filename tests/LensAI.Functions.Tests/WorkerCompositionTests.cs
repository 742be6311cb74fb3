using System.Reflection;
using LensAI.Backend;
using LensAI.Backend.Jobs;
using LensAI.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LensAI.Functions.Tests;

/// <summary>The worker's host, built from its own composition (<c>Program</c> calls the same method) without the Functions host.</summary>
public sealed class WorkerCompositionTests
{
    /// <summary>Every class of the app that declares a function.</summary>
    public static IEnumerable<Type> FunctionClasses() => typeof(LensAIFunctionsApp).Assembly.GetTypes()
        .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null));

    [Fact]
    public async Task The_host_builds_and_every_function_class_resolves()
    {
        await using var worker = WorkerHost.Create();
        var classes = FunctionClasses().ToList();
        Assert.Equal(20, classes.SelectMany(t => t.GetMethods()).Count(m => m.GetCustomAttribute<FunctionAttribute>() is not null));
        foreach (var type in classes)
        {
            using var scope = worker.Services.CreateScope(); // the worker makes one per invocation
            Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, type));
        }

        var jobs = worker.Services.GetRequiredService<JobRunner>().Jobs.Select(j => j.Definition.Name).Order();
        Assert.Equal([JobRegistry.BudgetCheckName, JobRegistry.CompactionName, JobRegistry.MonthlySummaryName, JobRegistry.RetentionName, JobRegistry.RollupsName], jobs);
    }

    [Fact]
    public async Task Timers_run_the_jobs_so_the_in_process_scheduler_is_off_whatever_the_setting()
    {
        await using var worker = WorkerHost.Create(new() { ["LensAI:Backend:RunScheduler"] = "true" });
        Assert.DoesNotContain(worker.Services.GetServices<IHostedService>(), s => s is JobScheduler);

        await using var server = LensAIBackendApp.Build(["--urls", "http://127.0.0.1:0", "--LensAI:Backend:Storage:LocalPath", Path.Combine(worker.DataDirectory, "server")]);
        Assert.Contains(server.Services.GetServices<IHostedService>(), s => s is JobScheduler); // the ASP.NET Core app's default
    }

}

/// <summary>Sets process environment variables, so it runs alone (no other test builds a host meanwhile).</summary>
[Collection(ProcessEnvironment.Name)]
public sealed class WorkerSettingsTests
{
    [Fact]
    public async Task A_setting_means_the_same_in_both_hosts_from_the_environment_as_app_settings_arrive()
    {
        // Azure app settings reach the worker as environment variables; the container passes the same ones to LensAI.Server.
        var data = Path.Combine(Path.GetTempPath(), "lensai-settings-" + Guid.NewGuid().ToString("N"));
        var variables = new Dictionary<string, string>
        {
            ["LensAI__Backend__Storage__LocalPath"] = Path.Combine(data, "store"),
            ["LensAI__Backend__RateLimitPerSecond"] = "7",
            ["LensAI__Backend__Limits__MaxRequestBytes"] = "12345",
            ["LensAI__Backend__Projects__acme__RetentionDays"] = "9",
            ["LensAI__Backend__Alerts__Slack__SigningSecret"] = "s3cret-for-tests",
            ["LensAI__Backend__Stripe__ApiKey"] = "sk_test_lensai",
            ["LensAI__Backend__Stripe__MeterEventName"] = "lensai_cost",
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            await using var worker = WorkerHost.Create();
            await using var server = LensAIBackendApp.Build(["--urls", "http://127.0.0.1:0"]);
            foreach (var services in new[] { worker.Services, server.Services })
            {
                var options = services.GetRequiredService<BackendOptions>();
                Assert.Equal(7, options.RateLimitPerSecond);
                Assert.Equal(12345, options.Limits.MaxRequestBytes);
                Assert.Equal(9, options.SettingsFor("acme").RetentionDays);
                Assert.Equal("s3cret-for-tests", services.GetRequiredService<LensAI.Backend.Alerts.AlertsOptions>().Slack.SigningSecret);
                Assert.True(services.GetRequiredService<JobRunner>().TryGet(JobRegistry.StripeSyncName, out _));
            }

            Assert.Equal(Path.Combine(data, "store"), server.Services.GetRequiredService<BackendOptions>().Storage.LocalPath);
            // In the worker the environment wins even over the command line (the Functions defaults add it last); app settings are environment variables.
            Assert.Equal(Path.Combine(data, "store"), worker.Services.GetRequiredService<BackendOptions>().Storage.LocalPath);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public const string Name = "process environment";
}
