using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// One-layer networks (svm, logistic, k-means, naive Bayes) on Tofino, lookup-based: an output's score is
/// <c>bias + sum_i W[j,i] x_i</c> and every x_i is a function of ONE feature, so each feature's share of every
/// output is a function of that feature's field alone, looked up in tables whose entries are exact:
/// <list type="bullet">
/// <item>a field of at most 8 bits, or one with a squared identity input: an exact table per value (entries
/// only where the share differs from the default); a field too wide for that does not fit (the lowering
/// names the table and its entry count);</item>
/// <item>the identity part of a wider field is linear: one ternary table per byte of the field (mask on that
/// byte, 255 entries) adds w * (byte &lt;&lt; 8s), exact modulo 2^32 like the reference's wrapping sums;</item>
/// <item>companded, squared-companded and one-hot parts are constant on each compand segment (an aligned
/// block, one ternary prefix) and at each category code: one ternary table over those ranges, equal
/// neighbours merged, ranges equal to the default left to the default action.</item>
/// </list>
/// Every table sets its own partial fields (tables in one stage cannot add into the same field); the bias
/// (in offset binary) is folded into the first table; <see cref="TnaScoring"/> sums and takes the argmax.
/// </summary>
internal static class TnaLookupLowering
{
    public static bool Supports(MlpModel mlp) =>
        mlp.Layers.Count == 1 && mlp.Layers[0].Outputs > 0 && mlp.Layers[0].Activation == Activation.None
        && mlp.Inputs.All(i => i.Transform != InputTransform.Square || i.Base is InputTransform.Identity or InputTransform.Log2Compand);

    public static TnaLoweringResult Lower(ModelFile model, MlpModel mlp)
    {
        var layer = mlp.Layers[0];
        int outputs = layer.Outputs;
        var fields = new List<TnaField>();
        var tables = new List<TnaTable>();
        var terms = Enumerable.Range(0, outputs).Select(_ => new List<string>()).ToArray();
        var bias = layer.Biases.Select(b => ((ulong)(uint)b + TnaScoring.Offset) & 0xFFFF_FFFFUL).ToArray();
        bool folded = false;

        for (int f = 0; f < model.Features.Count; f++)
        {
            var inputs = Enumerable.Range(0, mlp.Inputs.Count).Where(i => mlp.Inputs[i].Feature == f).ToList();
            if (inputs.Count == 0) continue;
            var feature = model.Features[f];
            string snake = Identifiers.Snake(feature.Name);
            int bits = feature.FieldBits;
            ulong max = TnaTreeLowering.DomainMax(feature);
            bool squaredIdentity = inputs.Any(i => mlp.Inputs[i].Transform == InputTransform.Square && mlp.Inputs[i].Base == InputTransform.Identity && AnyWeight(layer, i));
            var identity = inputs.Where(i => mlp.Inputs[i].Transform == InputTransform.Identity).ToList();
            bool perValue = bits <= 8 || squaredIdentity;

            if (perValue)
            {
                long values = (long)max + 1;
                if (values > TnaLoweringResult.MaxEntriesPerTable)
                    return TnaLoweringResult.Fail($"feature '{feature.Name}' needs an exact lookup table of {values} entries (its {bits}-bit field has a squared identity input, so every value has its own share)", values, TnaLoweringResult.MaxEntriesPerTable);
                var share = Share(model, mlp, inputs);
                AddTable($"lookup_{snake}", snake, $"feature {f}: exact, one entry per field value whose share differs from the default", TnaMatch.Exact, feature,
                    Enumerable.Range(0, (int)values).Select(v => ((ulong)v, (ulong)v, share((ulong)v))).ToList(), ranges: (int)values);
                continue;
            }
            if (identity.Any(i => AnyWeight(layer, i)))
            {
                for (int s = 0; s < bits / 8; s++)
                {
                    int shift = 8 * s;
                    var rows = new List<(ulong, ulong, uint[])>();
                    for (ulong b = 1; b < 256; b++)
                    {
                        ulong v = b << shift;
                        var share = new uint[outputs];
                        foreach (int i in identity)
                            for (int j = 0; j < outputs; j++) share[j] = unchecked(share[j] + (uint)layer.Weight(j, i) * (uint)v);
                        rows.Add((v, 0xFFUL << shift, share));
                    }
                    AddSliceTable($"lookup_{snake}__b{s}", $"{snake}__b{s}", $"feature {f}: identity part, bits {shift + 7}..{shift} (w * (byte << {shift}), linear so the bytes add up)", feature, rows);
                }
            }
            var rest = inputs.Where(i => mlp.Inputs[i].Transform != InputTransform.Identity && AnyWeight(layer, i)).ToList();
            if (rest.Count > 0)
            {
                var shareOf = Share(model, mlp, rest);
                var cuts = new SortedSet<ulong> { 0 };
                if (rest.Any(i => mlp.Inputs[i].Transform != InputTransform.OneHot))
                {
                    for (ulong v = 1; v < 1UL << Compand.FirstLogPosition && v <= max; v++) cuts.Add(v);
                    for (int p = Compand.FirstLogPosition; p < bits; p++)
                        for (ulong m = 0; m < 1UL << Compand.MantissaBits; m++)
                            cuts.Add((1UL << p) + (m << (p - Compand.MantissaBits)));
                }
                foreach (int i in rest.Where(i => mlp.Inputs[i].Transform == InputTransform.OneHot))
                {
                    ulong code = (ulong)mlp.Inputs[i].Code;
                    if (code > max) continue;
                    cuts.Add(code);
                    if (code < max) cuts.Add(code + 1);
                }
                var starts = cuts.Where(c => c <= max).ToList();
                var ranges = new List<(ulong Lo, ulong Hi, uint[] Share)>();
                for (int r = 0; r < starts.Count; r++)
                {
                    ulong lo = starts[r], hi = r + 1 < starts.Count ? starts[r + 1] - 1 : max;
                    var share = shareOf(lo);
                    if (ranges.Count > 0 && ranges[^1].Share.SequenceEqual(share)) ranges[^1] = (ranges[^1].Lo, hi, share);
                    else ranges.Add((lo, hi, share));
                }
                AddTable($"lookup_{snake}", snake, $"feature {f}: companded / one-hot part, constant on each compand segment and category code (ranges as ternary prefixes)",
                    TnaMatch.Ternary, feature, ranges, ranges.Count);
            }
        }

        var steps = tables.Select(t => (TnaStep)new TnaApply(t.Name)).ToList();
        var constants = folded ? new ulong[outputs] : bias;
        TnaScoring.Append(fields, steps, terms, constants, mlp.ClassOfOutput, P4FeatureTransport.ResultRef(model));
        return new TnaLoweringResult(new TnaProgram
        {
            Lowering = "lookup",
            Notes = new List<string>
            {
                $"{tables.Count} lookup table(s) set per-output partial scores (bias folded into the first); sums and an argmax tournament follow",
            },
            Metadata = fields,
            Tables = tables,
            Steps = steps,
        }, null, 0, 0);

        // A table whose partials are the shares of its rows; entries equal to the default are left out.
        void AddTable(string name, string id, string comment, TnaMatch match, FeatureEncoding feature, IReadOnlyList<(ulong Lo, ulong Hi, uint[] Share)> rows, int ranges)
        {
            var (action, fold) = Partials(name, id);
            var defaultArgs = Args(new uint[outputs], fold);
            var entries = new List<TnaEntry>();
            foreach (var (lo, hi, share) in rows)
            {
                var args = Args(share, fold);
                if (args.SequenceEqual(defaultArgs)) continue;
                if (match == TnaMatch.Exact) entries.Add(new TnaEntry(new[] { (lo, MaskOf(feature.FieldBits)) }, action.Name, args));
                else foreach (var p in Prefixes.Of(lo, hi, feature.FieldBits)) entries.Add(new TnaEntry(new[] { p }, action.Name, args));
            }
            tables.Add(new TnaTable(name, comment, new[] { new TnaKey(P4FeatureTransport.FieldRef(feature), match, feature.FieldBits) }, action, entries, defaultArgs) { Ranges = ranges });
        }

        void AddSliceTable(string name, string id, string comment, FeatureEncoding feature, IReadOnlyList<(ulong Value, ulong Mask, uint[] Share)> rows)
        {
            var (action, fold) = Partials(name, id);
            var defaultArgs = Args(new uint[outputs], fold);
            var entries = rows.Select(r => new TnaEntry(new[] { (r.Value, r.Mask) }, action.Name, Args(r.Share, fold))).Where(e => !e.Args.SequenceEqual(defaultArgs)).ToList();
            tables.Add(new TnaTable(name, comment, new[] { new TnaKey(P4FeatureTransport.FieldRef(feature), TnaMatch.Ternary, feature.FieldBits) }, action, entries, defaultArgs) { Ranges = rows.Count });
        }

        (TnaAction Action, ulong[] Fold) Partials(string table, string id)
        {
            string prefix = "m.p_" + id;
            var sets = new List<(string, string)>();
            var ps = new List<TnaParam>();
            for (int j = 0; j < outputs; j++)
            {
                string field = $"{prefix}__o{j}";
                fields.Add(new TnaField(field, 32, $"{table}: partial score of output {j}"));
                terms[j].Add(field);
                sets.Add((field, $"o{j}"));
                ps.Add(new TnaParam($"o{j}", 32));
            }
            var fold = folded ? new ulong[outputs] : bias;
            folded = true;
            return (new TnaAction("share_" + id, ps, sets), fold);
        }

        static ulong[] Args(uint[] share, ulong[] fold) => share.Select((s, j) => ((ulong)s + fold[j]) & 0xFFFF_FFFFUL).ToArray();
    }

    private static bool AnyWeight(DenseLayer layer, int input) => Enumerable.Range(0, layer.Outputs).Any(j => layer.Weight(j, input) != 0);

    private static ulong MaskOf(int bits) => bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;

    /// <summary>The share of every output from <paramref name="inputs"/> (inputs of one feature) at field value v, modulo 2^32.</summary>
    private static Func<ulong, uint[]> Share(ModelFile model, MlpModel mlp, IReadOnlyList<int> inputs)
    {
        var layer = mlp.Layers[0];
        return v =>
        {
            var share = new uint[layer.Outputs];
            foreach (int i in inputs)
            {
                var input = mlp.Inputs[i];
                int x = input.Transform switch
                {
                    InputTransform.OneHot => (long)v == input.Code ? 1 : 0,
                    InputTransform.Identity => unchecked((int)v),
                    InputTransform.Log2Compand => Compand.Apply((uint)v),
                    InputTransform.Square => Square(input.Base == InputTransform.Log2Compand ? Compand.Apply((uint)v) : unchecked((int)v)),
                    _ => throw new NotSupportedException(input.Transform.ToString()),
                };
                for (int j = 0; j < share.Length; j++) share[j] = unchecked(share[j] + (uint)(layer.Weight(j, i) * x));
            }
            return share;
        };

        static int Square(int x) => unchecked(x * x);
    }
}
