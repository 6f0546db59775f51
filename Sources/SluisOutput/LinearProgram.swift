import CGLPK

/// A linear or mixed-integer program solved by GLPK: the only Swift file that calls GLPK.
///
/// Secondary suppression is an integer program (which cells to hide) and its audit a series of
/// linear programs (how small and how large can a hidden cell be, given everything published).
/// The GLPK problem object lives exactly as long as this class; GLPK's terminal output is off.
final class LinearProgram {
    enum Outcome: Equatable {
        case optimal(Double)
        case unbounded
        case infeasible
        /// The solver stopped (time limit, numerical trouble) without a proven answer.
        case failed
    }

    private let problem: OpaquePointer
    private var ia: [Int32] = [0]
    private var ja: [Int32] = [0]
    private var ar: [Double] = [0]
    private var loaded = false
    private(set) var variableCount = 0
    private(set) var constraintCount = 0

    init() {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
    }

    deinit { glp_delete_prob(problem) }

    /// Adds a variable with the given bounds (nil: unbounded on that side); returns its index.
    @discardableResult
    func addVariable(lower: Double?, upper: Double?, cost: Double = 0, binary: Bool = false) -> Int {
        precondition(!binary || (lower ?? 0) >= 0 && (upper ?? 1) <= 1)
        let j = glp_add_cols(problem, 1)
        // The kind first: GLP_BV would reset the bounds to [0, 1].
        if binary { glp_set_col_kind(problem, j, GLP_IV) }
        Self.setBounds(lower: lower, upper: upper) { glp_set_col_bnds(problem, j, $0, $1, $2) }
        glp_set_obj_coef(problem, j, cost)
        variableCount += 1
        return Int(j) - 1
    }

    /// Adds `lower ≤ Σ coefficient · variable ≤ upper` (nil: unbounded on that side).
    func addConstraint(_ terms: [(variable: Int, coefficient: Double)], lower: Double?, upper: Double?) {
        let i = glp_add_rows(problem, 1)
        Self.setBounds(lower: lower, upper: upper) { glp_set_row_bnds(problem, i, $0, $1, $2) }
        for t in terms where t.coefficient != 0 {
            ia.append(i)
            ja.append(Int32(t.variable + 1))
            ar.append(t.coefficient)
        }
        constraintCount += 1
        loaded = false
    }

    private static func setBounds(lower: Double?, upper: Double?, _ set: (Int32, Double, Double) -> Void) {
        switch (lower, upper) {
        case (nil, nil): set(GLP_FR, 0, 0)
        case let (l?, nil): set(GLP_LO, l, 0)
        case let (nil, u?): set(GLP_UP, 0, u)
        case let (l?, u?): set(l == u ? GLP_FX : GLP_DB, l, u)
        }
    }

    /// Replaces the objective: minimise (or maximise) Σ cost · variable.
    func setObjective(_ costs: [(variable: Int, cost: Double)], maximise: Bool) {
        for j in 0..<variableCount { glp_set_obj_coef(problem, Int32(j + 1), 0) }
        for c in costs { glp_set_obj_coef(problem, Int32(c.variable + 1), c.cost) }
        glp_set_obj_dir(problem, maximise ? GLP_MAX : GLP_MIN)
    }

    private func loadMatrix() {
        guard !loaded else { return }
        ia.withUnsafeMutableBufferPointer { i in
            ja.withUnsafeMutableBufferPointer { j in
                ar.withUnsafeMutableBufferPointer { a in
                    glp_load_matrix(problem, Int32(i.count - 1), i.baseAddress, j.baseAddress, a.baseAddress)
                }
            }
        }
        loaded = true
    }

    /// Solves the linear relaxation with the simplex method (warm-started from the last basis).
    func solveLinear() -> Outcome {
        loadMatrix()
        var parameters = glp_smcp()
        glp_init_smcp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        var rc = glp_simplex(problem, &parameters)
        if rc != 0 {
            // A stale basis can be singular after constraints were added: start afresh once.
            glp_adv_basis(problem, 0)
            rc = glp_simplex(problem, &parameters)
            guard rc == 0 else { return .failed }
        }
        switch glp_get_status(problem) {
        case GLP_OPT: return .optimal(glp_get_obj_val(problem))
        case GLP_UNBND: return .unbounded
        case GLP_NOFEAS: return .infeasible
        default:
            // Dual simplex reports an unbounded primal as dual-infeasible.
            return glp_get_dual_stat(problem) == GLP_NOFEAS ? .unbounded : .failed
        }
    }

    /// Solves the integer program (branch and cut with GLPK's presolver), within `seconds`.
    func solveInteger(timeLimitSeconds seconds: Int) -> Outcome {
        loadMatrix()
        var parameters = glp_iocp()
        glp_init_iocp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = GLP_ON
        parameters.tm_lim = Int32(clamping: seconds * 1000)
        let rc = glp_intopt(problem, &parameters)
        if rc == GLP_ENOPFS || rc == GLP_ENOFEAS { return .infeasible }
        switch glp_mip_status(problem) {
        case GLP_OPT, GLP_FEAS: return .optimal(glp_mip_obj_val(problem))
        case GLP_NOFEAS: return .infeasible
        default: return .failed
        }
    }

    /// The value of a variable in the last linear solution.
    func value(_ variable: Int) -> Double { glp_get_col_prim(problem, Int32(variable + 1)) }

    /// The value of a variable in the last integer solution.
    func integerValue(_ variable: Int) -> Double { glp_mip_col_val(problem, Int32(variable + 1)) }
}
