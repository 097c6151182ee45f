using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>Range-to-ternary expansion: the fewest aligned prefixes (value, mask) covering exactly [lo, hi].</summary>
public static class Prefixes
{
    public static List<(ulong Value, ulong Mask)> Of(ulong lo, ulong hi, int bits)
    {
        var result = new List<(ulong, ulong)>();
        ulong full = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        while (lo <= hi)
        {
            // the largest aligned block starting at lo that stays within hi
            int size = 0;
            while (size < bits)
            {
                ulong block = 1UL << (size + 1);
                if ((lo & (block - 1)) != 0 || lo + block - 1 > hi || lo + block - 1 < lo) break;
                size++;
            }
            ulong span = size == 64 ? ulong.MaxValue : (1UL << size) - 1;
            result.Add((lo, full & ~span));
            if (lo + span >= hi || lo + span + 1 == 0) break;
            lo += span + 1;
        }
        return result;
    }

    /// <summary>Prefixes for [lo, hi] without building them (the worst case is 2(w-1)).</summary>
    public static int Count(ulong lo, ulong hi, int bits) => Of(lo, hi, bits).Count;
}

/// <summary>
/// The back end every Tofino lowering shares: per-output partial scores (fields set by producer tables, or
/// constants) summed pairwise in metadata (one adder level per stage), then the argmax as a tournament of
/// unsigned comparisons. Scores are kept in offset binary (signed value + 2^31 modulo 2^32) so that the
/// signed order of the 32-bit scores is the unsigned order; a comparison is a saturating subtraction
/// <c>b |-| a</c>, nonzero exactly when b &gt; a, tested against 0 by a gateway (bf-p4c compares a field only
/// with a constant). The right-hand candidate wins only when strictly greater, so the lowest index wins
/// ties, as in <c>ReferenceInterpreter.ArgMax</c>.
/// </summary>
internal static class TnaScoring
{
    public const ulong Offset = 0x8000_0000UL;

    /// <summary>Where a feature-header program puts the class; a packet-field program uses <c>m.result</c> (<see cref="P4V1Model.P4FeatureTransport.ResultRef"/>).</summary>
    public const string ResultField = "h.feat.result";

    /// <param name="terms">Per output: the partial score fields (their sum modulo 2^32 is the offset score), or empty and <paramref name="constants"/>.</param>
    /// <param name="constants">Per output: a constant added to the score (already in offset binary when <paramref name="terms"/> is empty).</param>
    /// <param name="classOf">The class an output stands for.</param>
    /// <param name="result">The field the class goes to.</param>
    public static void Append(List<TnaField> fields, List<TnaStep> steps, IReadOnlyList<IReadOnlyList<string>> terms, IReadOnlyList<ulong> constants, Func<int, int> classOf, string result)
    {
        int outputs = terms.Count;
        var scores = new TnaOperand[outputs];
        for (int j = 0; j < outputs; j++)
        {
            var level = terms[j].Select(TnaOperand.Of).ToList();
            if (level.Count == 0) { scores[j] = TnaOperand.Const(constants[j] & 0xFFFF_FFFFUL); continue; }
            int l = 0;
            while (level.Count > 1)
            {
                var next = new List<TnaOperand>();
                for (int i = 0; i + 1 < level.Count; i += 2)
                {
                    string dst = $"m.sum{j}_l{l}_{i / 2}";
                    fields.Add(new TnaField(dst, 32, $"output {j}: adder level {l}"));
                    steps.Add(new TnaAdd($"sum_l{l}", dst, level[i], level[i + 1]));
                    next.Add(TnaOperand.Of(dst));
                }
                if (level.Count % 2 == 1) next.Add(level[^1]);
                level = next;
                l++;
            }
            scores[j] = level[0];
        }

        var candidates = Enumerable.Range(0, outputs).Select(j => (Value: scores[j], Class: TnaOperand.Const((ulong)classOf(j)))).ToList();
        int round = 0;
        while (candidates.Count > 1)
        {
            var next = new List<(TnaOperand Value, TnaOperand Class)>();
            for (int i = 0; i + 1 < candidates.Count; i += 2)
            {
                var (a, b) = (candidates[i], candidates[i + 1]);
                if (a.Value.IsConstant && b.Value.IsConstant)
                {
                    next.Add(b.Value.Constant > a.Value.Constant ? b : a);
                    continue;
                }
                string d = $"m.am_r{round}_{i / 2}_gt", v = $"m.am_r{round}_{i / 2}_val", c = $"m.am_r{round}_{i / 2}_cls";
                fields.Add(new TnaField(d, 32, $"argmax round {round}: nonzero when the right candidate is greater"));
                fields.Add(new TnaField(v, 32, $"argmax round {round}: the winner's score"));
                fields.Add(new TnaField(c, 8, $"argmax round {round}: the winner's class"));
                steps.Add(new TnaSatSub($"argmax_r{round}_cmp", d, b.Value, a.Value));
                steps.Add(new TnaPick($"argmax_r{round}_pick", d, new[] { (v, b.Value, a.Value), (c, b.Class, a.Class) }));
                next.Add((TnaOperand.Of(v), TnaOperand.Of(c)));
            }
            if (candidates.Count % 2 == 1) next.Add(candidates[^1]);
            candidates = next;
            round++;
        }
        // The last comparison writes the result itself (one stage less than copying the winner's class).
        if (steps.Count > 0 && steps[^1] is TnaPick last && last.Assign.Any(a => a.Dst == candidates[0].Class.Field))
        {
            var (_, then, otherwise) = last.Assign.Single(a => a.Dst == candidates[0].Class.Field);
            steps[^1] = last with { Assign = last.Assign.Append((result, then, otherwise)).ToList() };
        }
        else steps.Add(new TnaSet("result", result, candidates[0].Class));
    }
}
