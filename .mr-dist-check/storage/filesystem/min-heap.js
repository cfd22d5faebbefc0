"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MinHeap = void 0;
class MinHeap {
    less;
    items = [];
    constructor(less) {
        this.less = less;
    }
    get size() {
        return this.items.length;
    }
    push(item) {
        const items = this.items;
        items.push(item);
        let i = items.length - 1;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!this.less(items[i], items[parent]))
                break;
            [items[i], items[parent]] = [items[parent], items[i]];
            i = parent;
        }
    }
    peek() {
        return this.items[0];
    }
    pop() {
        const items = this.items;
        if (items.length === 0)
            return undefined;
        const top = items[0];
        const last = items.pop();
        if (items.length > 0) {
            items[0] = last;
            this.siftDown(0);
        }
        return top;
    }
    retain(keep) {
        this.items = this.items.filter(keep);
        for (let i = (this.items.length >> 1) - 1; i >= 0; i--)
            this.siftDown(i);
    }
    clear() {
        this.items = [];
    }
    siftDown(start) {
        const items = this.items;
        const n = items.length;
        let i = start;
        for (;;) {
            const left = 2 * i + 1;
            const right = left + 1;
            let smallest = i;
            if (left < n && this.less(items[left], items[smallest]))
                smallest = left;
            if (right < n && this.less(items[right], items[smallest]))
                smallest = right;
            if (smallest === i)
                return;
            [items[i], items[smallest]] = [items[smallest], items[i]];
            i = smallest;
        }
    }
}
exports.MinHeap = MinHeap;
//# sourceMappingURL=min-heap.js.map