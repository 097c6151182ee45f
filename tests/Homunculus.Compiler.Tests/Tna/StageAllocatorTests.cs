using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.Tna;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>The stage allocator and the range-to-ternary expansion, on hand-made tables.</summary>
public sealed class StageAllocatorTests
{
    private static LogicalTable T(string name, string[] reads, string[] writes, long sram = 0, long tcam = 0) =>
        new(name, reads, writes, sram, tcam, "test");

    [Fact]
    public void A_match_dependency_chain_takes_one_stage_per_link()
    {
        var allocation = StageAllocator.Allocate(new[]
        {
            T("a", new[] { "h.x" }, new[] { "m.a" }),
            T("b", new[] { "m.a" }, new[] { "m.b" }),
            T("c", new[] { "h.y" }, new[] { "m.c" }),       // independent: shares stage 0
            T("d", new[] { "m.b", "m.c" }, new[] { "m.d" }),
        }, TofinoResources.Default);
        Assert.Equal(new[] { 0, 1, 0, 2 }, new[] { "a", "b", "c", "d" }.Select(allocation.StageOf));
        Assert.Equal(3, allocation.StagesUsed);
        Assert.True(allocation.Fits);
    }

    [Fact]
    public void Writing_the_same_field_is_a_dependency_but_overwriting_what_was_read_is_not()
    {
        var allocation = StageAllocator.Allocate(new[]
        {
            T("a", new[] { "h.x" }, new[] { "m.s" }),
            T("b", new[] { "h.y" }, new[] { "m.s" }),       // action dependency (both write m.s)
            T("c", new[] { "m.r" }, new[] { "m.q" }),
            T("d", new[] { "h.z" }, new[] { "m.r" }),       // writes what c reads: may share c's stage
        }, TofinoResources.Default);
        Assert.Equal(1, allocation.StageOf("b"));
        Assert.Equal(allocation.StageOf("c"), allocation.StageOf("d"));
    }

    [Fact]
    public void A_full_stage_pushes_tables_to_the_next_one()
    {
        var resources = TofinoResources.Default with { TablesPerStage = 2, TcamBlocksPerStage = 10 };
        var allocation = StageAllocator.Allocate(new[]
        {
            T("a", new[] { "h.x" }, new[] { "m.a" }),
            T("b", new[] { "h.x" }, new[] { "m.b" }),
            T("c", new[] { "h.x" }, new[] { "m.c" }),       // third table: no slot in stage 0
            T("d", new[] { "h.x" }, new[] { "m.d" }, tcam: 6),
            T("e", new[] { "h.x" }, new[] { "m.e" }, tcam: 6), // TCAM of stage 1 is taken by d
        }, resources);
        Assert.Equal(new[] { 0, 0, 1, 1, 2 }, new[] { "a", "b", "c", "d", "e" }.Select(allocation.StageOf));
        Assert.Equal(new long[] { 0, 6, 6 }, allocation.Stages.Select(s => s.Tcam));
    }

    [Fact]
    public void A_table_larger_than_a_stage_names_the_limit()
    {
        var allocation = StageAllocator.Allocate(new[] { T("huge", new[] { "h.x" }, new[] { "m.a" }, sram: 81) }, TofinoResources.Default);
        Assert.False(allocation.Fits);
        var problem = Assert.Single(allocation.Problems);
        Assert.Equal("sramBlocksPerStage", problem.Parameter);
        Assert.Contains("huge", problem.What);
        Assert.Equal(81, problem.Needed);
        Assert.Equal(80, problem.Available);
    }

    [Fact]
    public void Too_many_stages_and_too_many_phv_bits_are_named()
    {
        var chain = Enumerable.Range(0, 14).Select(i => T($"t{i}", new[] { $"m.v{i}" }, new[] { $"m.v{i + 1}" })).ToList();
        var allocation = StageAllocator.Allocate(chain, TofinoResources.Default, phvBits: 5000);
        Assert.Equal(14, allocation.StagesUsed);
        Assert.Contains(allocation.Problems, p => p.Parameter == "stages" && p.Needed == 14 && p.Available == 12);
        Assert.Contains(allocation.Problems, p => p.Parameter == "phvBits" && p.Needed == 5000);
    }

    [Theory]
    [InlineData(0UL, 255UL, 8, 1)]        // the whole field: one wildcard
    [InlineData(1UL, 14UL, 4, 6)]         // worst case of 4 bits: 2(w-1)
    [InlineData(1UL, 65534UL, 16, 30)]    // worst case of 16 bits: 2(w-1)
    [InlineData(16UL, 31UL, 8, 1)]        // an aligned block (a compand segment)
    [InlineData(0UL, 100UL, 8, 4)]        // 0-63, 64-95, 96-99, 100
    [InlineData(5UL, 5UL, 32, 1)]
    public void Ranges_expand_to_the_fewest_prefixes(ulong lo, ulong hi, int bits, int count)
    {
        var prefixes = Prefixes.Of(lo, hi, bits);
        Assert.Equal(count, prefixes.Count);
        // exactly [lo, hi] is covered (checked on a window around it)
        ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        for (ulong v = lo > 300 ? lo - 300 : 0; v <= System.Math.Min(max, hi + 300); v += hi - lo > 100000 ? 97UL : 1UL)
            Assert.Equal(v >= lo && v <= hi, prefixes.Any(p => (v & p.Mask) == p.Value));
    }

    [Fact]
    public void Ternary_and_exact_tables_cost_blocks_by_the_documented_formulas()
    {
        var r = TofinoResources.Default;
        var action = new TnaAction("a", new[] { new TnaParam("p", 32), new TnaParam("q", 32) }, new[] { ("m.x", "p"), ("m.y", "q") });
        var entry = new TnaEntry(new[] { (0UL, 0UL) }, "a", new ulong[] { 0, 0 });
        var ternary = new TnaTable("t", "", new[] { new TnaKey("h.f", TnaMatch.Ternary, 50) }, action, Enumerable.Repeat(entry, 600).ToList(), new ulong[] { 0, 0 });
        // ceil(50/44) = 2 wide x ceil(600/512) = 2 deep; action data 600 x 1 word -> 1 block
        Assert.Equal((1L, 4L), r.Cost(ternary));
        var exact = ternary with { Keys = new[] { new TnaKey("h.f", TnaMatch.Exact, 16) }, Entries = Enumerable.Repeat(entry, 3000).ToList() };
        // 16 + 64 + 16 bits = 1 word per entry: ceil(3000 / 1024) = 3 blocks
        Assert.Equal((3L, 0L), r.Cost(exact));
    }
}
