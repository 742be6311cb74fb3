using LensAI.Backend.Budgets;

namespace LensAI.Backend.Tests.Budgets;

public sealed class BudgetEvaluatorTests
{
    private static readonly DateTimeOffset s_monthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static BudgetFile File(string action = "block", params BudgetDefinition[] extra) => new()
    {
        Budgets = [new BudgetDefinition { Id = "monthly", Scope = "project", Period = "monthly", AmountUsd = 100m, Action = action }, .. extra],
    };

    private static Func<string, PeriodSpend> Spend(decimal project, Action<PeriodSpend>? more = null) => _ =>
    {
        var s = new PeriodSpend { ProjectCost = project };
        more?.Invoke(s);
        return s;
    };

    [Fact]
    public void Each_threshold_fires_once_per_period_and_block_happens_at_100()
    {
        var file = File();
        var state = new BudgetStateFile();
        var fired = new List<int?>();
        var now = s_monthStart.AddDays(20); // late in the month: no forecast noise
        foreach (var spent in new[] { 40m, 55m, 60m, 80m, 95m, 100m, 120m, 130m })
        {
            var result = BudgetEvaluator.Evaluate("acme", file, Spend(spent), state, now);
            fired.AddRange(result.NewAlerts.Where(a => a.Kind == "threshold").Select(a => a.ThresholdPercent));
            state = result.State;
            var status = Assert.Single(result.Status.Budgets);
            Assert.Equal(spent >= 100m, status.Blocked);
            now = now.AddMinutes(1);
        }

        Assert.Equal([50, 75, 90, 100], fired);
    }

    [Fact]
    public void A_jump_past_several_thresholds_sends_one_alert_and_marks_them_all()
    {
        var result = BudgetEvaluator.Evaluate("acme", File(), Spend(92m), new BudgetStateFile(), s_monthStart.AddDays(25));
        var alert = Assert.Single(result.NewAlerts, a => a.Kind == "threshold");
        Assert.Equal(90, alert.ThresholdPercent);
        Assert.Equal([50, 75, 90], result.State.Scopes["monthly|"].Fired.Order());
    }

    [Fact]
    public void A_new_period_resets_thresholds_overrides_and_raises()
    {
        var first = BudgetEvaluator.Evaluate("acme", File(), Spend(100m), new BudgetStateFile(), s_monthStart.AddDays(29));
        first.State.Scopes["monthly|"].LimitMultiplier = 1.1m;
        first.State.Scopes["monthly|"].OverrideUntil = s_monthStart.AddDays(30);
        var next = BudgetEvaluator.Evaluate("acme", File(), Spend(60m), first.State, s_monthStart.AddMonths(1).AddDays(20));
        var scope = next.State.Scopes["monthly|"];
        Assert.Equal(s_monthStart.AddMonths(1), scope.PeriodStart);
        Assert.Equal([50], scope.Fired);
        Assert.Equal(1m, scope.LimitMultiplier);
        Assert.Null(scope.OverrideUntil);
        Assert.Contains(next.NewAlerts, a => a.ThresholdPercent == 50);
    }

    [Fact]
    public void An_override_unblocks_until_it_expires_and_a_raise_lifts_the_limit()
    {
        var now = s_monthStart.AddDays(10);
        var blocked = BudgetEvaluator.Evaluate("acme", File(), Spend(105m), new BudgetStateFile(), now);
        Assert.True(blocked.Status.Budgets[0].Blocked);

        blocked.State.Scopes["monthly|"].OverrideUntil = now.AddHours(1);
        var during = BudgetEvaluator.Evaluate("acme", File(), Spend(105m), blocked.State, now.AddMinutes(30));
        Assert.False(during.Status.Budgets[0].Blocked);
        Assert.Equal(now.AddHours(1), during.Status.Budgets[0].OverrideUntil);

        var after = BudgetEvaluator.Evaluate("acme", File(), Spend(105m), during.State, now.AddHours(1).AddSeconds(1));
        Assert.True(after.Status.Budgets[0].Blocked);

        after.State.Scopes["monthly|"].LimitMultiplier = 1.1m;
        var raised = BudgetEvaluator.Evaluate("acme", File(), Spend(105m), after.State, now.AddHours(2));
        Assert.False(raised.Status.Budgets[0].Blocked);
        Assert.Equal(110m, raised.Status.Budgets[0].LimitUsd);
    }

    [Fact]
    public void Alert_only_budgets_never_block()
    {
        var result = BudgetEvaluator.Evaluate("acme", File(action: "alert"), Spend(500m), new BudgetStateFile(), s_monthStart.AddDays(3));
        Assert.False(Assert.Single(result.Status.Budgets).Blocked);
        Assert.Contains(result.NewAlerts, a => a.ThresholdPercent == 100);
    }

    [Fact]
    public void A_forecast_alert_names_the_day_the_limit_will_be_crossed()
    {
        // A quarter of November gone (7.5 days), 30 % spent: on pace for 120 %; the limit is reached on day 25.
        var now = s_monthStart.AddDays(7.5);
        var result = BudgetEvaluator.Evaluate("acme", File(), Spend(30m), new BudgetStateFile(), now);
        var forecast = Assert.Single(result.NewAlerts, a => a.Kind == "forecast");
        Assert.Equal(120m, forecast.ForecastUsd);
        Assert.Equal(s_monthStart.AddDays(25), forecast.ProjectedExceedAt);
        Assert.DoesNotContain(BudgetEvaluator.Evaluate("acme", File(), Spend(31m), result.State, now.AddHours(1)).NewAlerts, a => a.Kind == "forecast");
    }

    [Fact]
    public void Unpriced_calls_are_reported_once_instead_of_counted_as_zero()
    {
        var spend = Spend(10m, s => s.ProjectUnpriced = 4);
        var first = BudgetEvaluator.Evaluate("acme", File(), spend, new BudgetStateFile(), s_monthStart.AddDays(20));
        var alert = Assert.Single(first.NewAlerts, a => a.Kind == "unpriced");
        Assert.Equal(4, alert.UnpricedCalls);
        Assert.Empty(BudgetEvaluator.Evaluate("acme", File(), spend, first.State, s_monthStart.AddDays(20.1)).NewAlerts);
    }

    [Fact]
    public void Scoped_budgets_use_their_scope_spend_and_model_budgets_cover_snapshots()
    {
        var file = new BudgetFile
        {
            Budgets =
            [
                new BudgetDefinition { Id = "alice", Scope = "user", ScopeValue = "alice", Period = "monthly", AmountUsd = 10m, Action = "block" },
                new BudgetDefinition { Id = "gpt4o", Scope = "model", ScopeValue = "gpt-4o", Period = "monthly", AmountUsd = 10m, Action = "block" },
                new BudgetDefinition { Id = "team-a", Scope = "metadata", ScopeValue = "team=a", Period = "monthly", AmountUsd = 10m, Action = "block" },
            ],
        };
        var result = BudgetEvaluator.Evaluate("acme", file, Spend(1000m, s =>
        {
            s.ByUser["alice"] = new ScopeSpend(11m, 0);
            s.ByUser["bob"] = new ScopeSpend(500m, 0);
            s.ByModel["gpt-4o-2024-08-06"] = new ScopeSpend(6m, 0);
            s.ByModel["gpt-4o-2024-11-20"] = new ScopeSpend(5m, 0);
            s.ByModel["gpt-4o-mini-2024-07-18"] = new ScopeSpend(400m, 0);
            s.ByMetadata["team=a"] = new ScopeSpend(2m, 0);
        }), new BudgetStateFile(), s_monthStart.AddDays(20));
        var byId = result.Status.Budgets.ToDictionary(b => b.BudgetId);
        Assert.True(byId["alice"].Blocked);
        Assert.Equal(11m, byId["gpt4o"].SpentUsd); // both snapshots, not gpt-4o-mini
        Assert.True(byId["gpt4o"].Blocked);
        Assert.False(byId["team-a"].Blocked);
    }

    [Fact]
    public void Default_per_user_budgets_apply_by_tier_to_users_without_their_own()
    {
        var file = new BudgetFile
        {
            Budgets = [new BudgetDefinition { Id = "vip", Scope = "user", ScopeValue = "carol", Period = "daily", AmountUsd = 100m, Action = "block" }],
            DefaultUserBudget = TierTemplates.Standard(freeDailyUsd: 1m, proMonthlyUsd: 20m),
        };
        var result = BudgetEvaluator.Evaluate("acme", file, period => new PeriodSpend
        {
            ByUser = { ["alice"] = new ScopeSpend(1.5m, 0), ["bob"] = new ScopeSpend(0.2m, 0), ["carol"] = new ScopeSpend(50m, 0), ["erin"] = new ScopeSpend(999m, 0) },
            UserTiers = { ["alice"] = "free", ["erin"] = "enterprise" },
        }, new BudgetStateFile(), new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

        var statuses = result.Status.Budgets.ToDictionary(b => (b.BudgetId, b.ScopeValue));
        Assert.True(statuses[("default-free", "alice")].Blocked); // free tier, $1/day, spent 1.5
        Assert.False(statuses.ContainsKey(("default-free", "bob"))); // 20 % of quota: not on the watch list
        Assert.False(statuses.ContainsKey(("default-free", "carol"))); // her own budget governs her
        Assert.DoesNotContain(statuses.Keys, k => k.ScopeValue == "erin"); // enterprise has no quota
        Assert.Equal("daily", statuses[("default-free", "alice")].Period);
    }

    [Fact]
    public void Validation_names_every_problem()
    {
        var file = new BudgetFile
        {
            TimeZone = "Mars/Olympus",
            Budgets =
            [
                new BudgetDefinition { Id = "a", Scope = "user", Period = "yearly", AmountUsd = -1, Action = "explode" },
                new BudgetDefinition { Id = "a", Scope = "metadata", ScopeValue = "nokey", AmountUsd = 1 },
            ],
        };
        var pointers = file.Validate().Select(e => e.Pointer).ToList();
        Assert.Equal(["/budgets/0/action", "/budgets/0/amount_usd", "/budgets/0/period", "/budgets/0/scope_value", "/budgets/1/id", "/budgets/1/scope_value", "/time_zone"], pointers.Order());
    }
}

public sealed class BudgetPeriodTests
{
    [Theory]
    [InlineData("daily", "Europe/Berlin", "2026-11-21T23:30:00Z", "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z")]
    [InlineData("weekly", "Europe/Berlin", "2026-11-21T12:00:00Z", "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z")]
    [InlineData("monthly", "America/New_York", "2026-11-01T03:00:00Z", "2026-10-01T04:00:00Z", "2026-11-01T04:00:00Z")]
    [InlineData("monthly", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z")]
    [InlineData("monthly", "UTC", "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    public void Periods_are_calendar_aligned_in_the_time_zone(string period, string zone, string now, string start, string end)
    {
        var (s, e) = BudgetPeriods.Current(period, BudgetPeriods.FindZone(zone)!, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), s);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), e);
    }
}
