//! Functions: handles, host functions, typed calls and the caller context.

use crate::instance::{Extern, Instance};
use crate::store::{AsContext, AsContextMut, Store};
use crate::types::{FuncType, ValType};
use crate::values::{ExternRef, Val};
use crate::{exec, Error};
use std::marker::PhantomData;
use std::sync::Arc;

/// A host function over raw register slots: arguments in, results out.
pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &mut [u64]) -> Result<(), Error> + Send + Sync;

/// A function handle (Wasm or host) in some store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

/// What a host function sees of its caller: the store (host data, memory)
/// and the calling instance's exports.
pub struct Caller<'a, T> {
    store: &'a mut Store<T>,
    instance: Option<u32>,
}

impl<'a, T> Caller<'a, T> {
    pub(crate) fn new(store: &'a mut Store<T>, instance: Option<u32>) -> Caller<'a, T> {
        Caller { store, instance }
    }

    pub fn data(&self) -> &T {
        self.store.data()
    }

    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// An export of the calling instance (for example its `memory`).
    /// `None` when the host function was called directly by the embedder
    /// (through [`Func::call`]) rather than from Wasm: there is no calling
    /// instance then.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        Instance(self.instance?).get_export(&*self.store, name)
    }

    pub fn engine(&self) -> &crate::Engine {
        self.store.engine()
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self.store
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

impl Func {
    /// A host function from a closure with typed parameters (up to 12) and
    /// results, optionally taking a [`Caller`] first.
    pub fn wrap<T, P, R>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, P, R>,
    ) -> Func {
        let (ty, host) = f.into_host();
        Func(store.as_context_mut().add_host(ty, host))
    }

    /// A host function working on [`Val`]s, with an explicit type.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Func {
        let host = untyped_host(ty.clone(), f);
        Func(store.as_context_mut().add_host(ty, host))
    }

    pub fn ty(&self, store: impl AsContext) -> FuncType {
        store.as_context().inner.func_type(self.0)
    }

    /// Calls the function; `results` must have room for every result.
    ///
    /// ```
    /// use regwasm::{Engine, Linker, Module, Store, Val};
    ///
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (func (export "swap") (param i64 f32) (result f32 i64)
    ///       local.get 1 local.get 0))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    /// let swap = instance.get_func(&store, "swap").unwrap();
    /// let mut results = [Val::I32(0), Val::I32(0)];
    /// swap.call(&mut store, &[Val::I64(7), Val::from(1.5f32)], &mut results)?;
    /// assert_eq!(results, [Val::from(1.5f32), Val::I64(7)]);
    /// # Ok::<(), regwasm::Error>(())
    /// ```
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut();
        let ty = store.inner.func_type(self.0);
        if params.len() != ty.params().len()
            || params.iter().zip(ty.params()).any(|(v, t)| v.ty() != *t)
        {
            return Err(Error::usage(format!("arguments do not match {ty}")));
        }
        if results.len() < ty.results().len() {
            return Err(Error::usage(format!("too few result slots for {ty}")));
        }
        let mut slots = vec![0u64; ty.params().len().max(ty.results().len())];
        for (slot, v) in slots.iter_mut().zip(params) {
            *slot = v.to_slot(&store.inner)?;
        }
        exec::invoke(store, self.0, &mut slots)?;
        for ((r, slot), t) in results.iter_mut().zip(&slots).zip(ty.results()) {
            *r = Val::from_slot(*slot, *t);
        }
        Ok(())
    }

    /// A typed view of the function; fails if the types differ.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>, Error> {
        let ty = self.ty(store);
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::usage(format!(
                "function type {ty} does not match the requested typed signature"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _types: PhantomData,
        })
    }
}

fn untyped_host<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
) -> Arc<HostFn<T>> {
    // Up to 16 parameters and results live on the native stack: a call
    // allocates nothing.
    type Vals = smallvec::SmallVec<[Val; 16]>;
    Arc::new(move |caller: Caller<'_, T>, slots: &mut [u64]| {
        let params: Vals = ty
            .params()
            .iter()
            .zip(slots.iter())
            .map(|(t, s)| Val::from_slot(*s, *t))
            .collect();
        let mut results: Vals = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        let Caller { store, instance } = caller;
        f(Caller::new(&mut *store, instance), &params, &mut results)?;
        let inner = &store.inner;
        for ((slot, v), t) in slots.iter_mut().zip(&results).zip(ty.results()) {
            if v.ty() != *t {
                return Err(Error::usage(format!(
                    "host function returned {} where {} was expected",
                    v.ty(),
                    t
                )));
            }
            *slot = v.to_slot(inner)?;
        }
        Ok(())
    })
}

/// A function with static parameter and result types; calls allocate nothing.
///
/// ```
/// use regwasm::{Engine, Linker, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (func (export "divmod") (param i32 i32) (result i32 i32)
///       local.get 0 local.get 1 i32.div_u
///       local.get 0 local.get 1 i32.rem_u))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// let divmod = instance.get_typed_func::<(u32, u32), (u32, u32)>(&store, "divmod")?;
/// assert_eq!(divmod.call(&mut store, (17, 5))?, (3, 2));
/// let trap = divmod.call(&mut store, (1, 0)).unwrap_err();
/// assert_eq!(trap.to_string(), "integer divide by zero");
/// # Ok::<(), regwasm::Error>(())
/// ```
pub struct TypedFunc<P, R> {
    func: Func,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub fn func(&self) -> Func {
        self.func
    }

    pub fn call<T>(&self, mut store: impl AsContextMut<Data = T>, params: P) -> Result<R, Error> {
        let n = P::LEN.max(R::LEN);
        let mut small = [0u64; 16];
        let mut large = Vec::new();
        let slots: &mut [u64] = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, 0);
            &mut large
        };
        params.write(slots);
        exec::invoke(store.as_context_mut(), self.func.0, slots)?;
        Ok(R::read(slots))
    }
}

/// A Rust type that is a Wasm value.
pub trait WasmTy: Copy + Send + 'static {
    const TY: ValType;
    fn to_slot(self) -> u64;
    fn from_slot(slot: u64) -> Self;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, |$v:ident| $to:expr, |$s:ident| $from:expr;)*) => {$(
        impl WasmTy for $t {
            const TY: ValType = ValType::$vt;
            fn to_slot(self) -> u64 { let $v = self; $to }
            fn from_slot($s: u64) -> Self { $from }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| v as u32 as u64, |s| s as u32 as i32;
    u32 => I32, |v| v as u64, |s| s as u32;
    i64 => I64, |v| v as u64, |s| s as i64;
    u64 => I64, |v| v, |s| s;
    f32 => F32, |v| v.to_bits() as u64, |s| f32::from_bits(s as u32);
    f64 => F64, |v| v.to_bits(), |s| f64::from_bits(s);
    Option<Func> => FuncRef, |v| v.map_or(0, |f| f.0 as u64 + 1), |s| s.checked_sub(1).map(|i| Func(i as u32));
    Option<ExternRef> => ExternRef, |v| v.map_or(0, |e| e.0 as u64 + 1), |s| s.checked_sub(1).map(|i| ExternRef(i as u32));
}

/// A list of Wasm values: `()`, a single [`WasmTy`], or a tuple of them.
pub trait WasmTyList: Sized {
    const LEN: usize;
    fn types() -> Vec<ValType>;
    fn write(self, slots: &mut [u64]);
    fn read(slots: &[u64]) -> Self;
}

/// Parameters of a typed function.
pub trait WasmParams: WasmTyList {}
impl<L: WasmTyList> WasmParams for L {}
/// Results of a typed function.
pub trait WasmResults: WasmTyList {}
impl<L: WasmTyList> WasmResults for L {}

impl<A: WasmTy> WasmTyList for A {
    const LEN: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::TY]
    }
    fn write(self, slots: &mut [u64]) {
        slots[0] = self.to_slot();
    }
    fn read(slots: &[u64]) -> Self {
        A::from_slot(slots[0])
    }
}

macro_rules! tuple_list {
    ($n:literal; $($A:ident $i:tt),*) => {
        impl<$($A: WasmTy),*> WasmTyList for ($($A,)*) {
            const LEN: usize = $n;
            fn types() -> Vec<ValType> {
                vec![$($A::TY),*]
            }
            #[allow(unused_variables)]
            fn write(self, slots: &mut [u64]) {
                $(slots[$i] = self.$i.to_slot();)*
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn read(slots: &[u64]) -> Self {
                ($($A::from_slot(slots[$i]),)*)
            }
        }
    };
}

tuple_list!(0;);
tuple_list!(1; A 0);
tuple_list!(2; A 0, B 1);
tuple_list!(3; A 0, B 1, C 2);
tuple_list!(4; A 0, B 1, C 2, D 3);
tuple_list!(5; A 0, B 1, C 2, D 3, E 4);
tuple_list!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_list!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_list!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_list!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_list!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_list!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_list!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_list!(13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_list!(14; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_list!(15; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_list!(16; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// What a host closure may return: values, or a `Result` of them.
pub trait WasmRet {
    type List: WasmTyList;
    fn into_result(self) -> Result<Self::List, Error>;
}

impl<L: WasmTyList> WasmRet for L {
    type List = L;
    fn into_result(self) -> Result<L, Error> {
        Ok(self)
    }
}

impl<L: WasmTyList> WasmRet for Result<L, Error> {
    type List = L;
    fn into_result(self) -> Result<L, Error> {
        self
    }
}

/// Marks closures whose first parameter is a [`Caller`].
pub struct WithCaller<P>(PhantomData<P>);

/// Closures that can become host functions.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host(self) -> (FuncType, Arc<HostFn<T>>);
}

macro_rules! into_func {
    ($($A:ident $a:ident $i:tt),*) => {
        impl<T, F, $($A: WasmTy,)* R: WasmRet> IntoFunc<T, WithCaller<($($A,)*)>, R> for F
        where
            F: Fn(Caller<'_, T>, $($A),*) -> R + Send + Sync + 'static,
        {
            fn into_host(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::new(vec![$($A::TY),*], R::List::types());
                let host = Arc::new(move |caller: Caller<'_, T>, slots: &mut [u64]| {
                    $(let $a = $A::from_slot(slots[$i]);)*
                    let r = (self)(caller, $($a),*).into_result()?;
                    r.write(slots);
                    Ok(())
                });
                (ty, host)
            }
        }

        impl<T, F, $($A: WasmTy,)* R: WasmRet> IntoFunc<T, ($($A,)*), R> for F
        where
            F: Fn($($A),*) -> R + Send + Sync + 'static,
        {
            fn into_host(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::new(vec![$($A::TY),*], R::List::types());
                let host = Arc::new(move |_caller: Caller<'_, T>, slots: &mut [u64]| {
                    $(let $a = $A::from_slot(slots[$i]);)*
                    let r = (self)($($a),*).into_result()?;
                    r.write(slots);
                    Ok(())
                });
                (ty, host)
            }
        }
    };
}

into_func!();
into_func!(A a 0);
into_func!(A a 0, B b 1);
into_func!(A a 0, B b 1, C c 2);
into_func!(A a 0, B b 1, C c 2, D d 3);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11, N n 12);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11, N n 12, O o 13);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11, N n 12, O o 13, P p 14);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11, N n 12, O o 13, P p 14, Q q 15);

pub(crate) fn host_from_closure<T, P, R>(f: impl IntoFunc<T, P, R>) -> (FuncType, Arc<HostFn<T>>) {
    f.into_host()
}

pub(crate) fn host_from_untyped<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
) -> Arc<HostFn<T>> {
    untyped_host(ty, f)
}
